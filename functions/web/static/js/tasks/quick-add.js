// Quick add: one line in the assistant's words, read by the server as you type and shown as chips;
// removing a chip drops that part, and Enter saves the task exactly as the chips show.
import { api, ApiError } from "../api.js";
import { h, replace } from "../dom.js";
import { emit } from "../events.js";
import { icon } from "../icons.js";
import { describeReminder, formatDateTime } from "../time.js";
import { toast } from "../toast.js";

const READ_DELAY_MS = 300;
const TEXT_MAX = 1000;
// Parts that mean nothing without a due date: dropping the date drops them too (as the API requires).
const NEEDS_DUE_AT = ["recurrence", "reminder_minutes_before"];
const REPEATS = { daily: "Every day", weekly: "Every week", monthly: "Every month" };
const PRIORITY = { high: "High", medium: "Medium", low: "Low" };

/** What a chip says: its kind (shown, so nothing is conveyed by colour alone) and its value. */
function describe(piece) {
  switch (piece.field) {
    case "title": return { kind: "Title", text: piece.value, part: "title" };
    case "due_at": return { kind: "Due", text: formatDateTime(piece.value), part: "due date" };
    case "recurrence": return { kind: "Repeats", text: REPEATS[piece.value] ?? piece.value, part: "repeat" };
    case "reminder_minutes_before": return { kind: "Reminder", text: describeReminder(piece.value), part: "reminder" };
    case "priority": return { kind: "Priority", text: PRIORITY[piece.value] ?? piece.value, part: "priority" };
    case "tags": return { kind: "Tag", text: `#${piece.value}`, part: `tag ${piece.value}` };
    default: return { kind: "Notes", text: piece.value, part: "notes" };
  }
}

const keyOf = (piece) => `${piece.field}:${piece.value}`;

export function quickAdd(signal) {
  let reading = null; // {text, pieces} of the last line the server read, or null
  let problem = null;
  let dropped = new Set(); // pieces the user removed, by field and value, until the line is saved or cleared
  let request = 0;
  let timer = null;

  const input = h("input", {
    type: "text", id: "quick-add", autocomplete: "off", maxLength: TEXT_MAX,
    placeholder: "Quick add, e.g. pay rent every month on the 1st 9am #home !high",
    "aria-describedby": "quick-add-problem",
    oninput: () => { clearTimeout(timer); timer = setTimeout(read, READ_DELAY_MS); },
    onkeydown: (event) => {
      if (event.key === "Escape" && input.value) { event.preventDefault(); reset(); }
    },
  });
  const chips = h("ul", { class: "chips", "aria-label": "Quick add understood" });
  const problemLine = h("p", { class: "field-error", id: "quick-add-problem", "aria-live": "polite" });
  const announce = h("p", { class: "sr-only", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, icon("plus"), h("span", {}, "Add"));
  const form = h("form", { class: "quick-add", "aria-label": "Quick add", onsubmit: save },
    h("label", { htmlFor: "quick-add", class: "sr-only" }, "Quick add a task"),
    h("div", { class: "quick-add-row" }, icon("sparkles"), input, submit),
    chips, problemLine, announce);
  signal.addEventListener("abort", () => clearTimeout(timer));

  function visible() {
    if (!reading) return [];
    const kept = reading.pieces.filter((piece) => !dropped.has(keyOf(piece)));
    const hasDue = kept.some((piece) => piece.field === "due_at");
    return kept.filter((piece) => hasDue || !NEEDS_DUE_AT.includes(piece.field));
  }

  /** Asks the server to read the line; a newer keystroke's answer wins over an older one. */
  async function read() {
    clearTimeout(timer);
    timer = null;
    const text = input.value;
    const mine = ++request;
    if (!text.trim()) {
      reading = null;
      problem = null;
      dropped = new Set();
      return render();
    }
    try {
      const answer = await api("/tasks/parse", { method: "POST", body: { text } });
      if (mine !== request) return;
      reading = { text, pieces: answer.pieces };
      problem = null;
    } catch (error) {
      if (mine !== request) return;
      reading = null;
      problem = error instanceof ApiError ? error.errors[0]?.message || error.message : String(error);
    }
    render();
  }

  function render() {
    const shown = visible();
    replace(chips, shown.map(chip));
    chips.hidden = shown.length === 0;
    problemLine.textContent = problem ?? "";
    problemLine.hidden = !problem;
    input.setAttribute("aria-invalid", problem ? "true" : "false");
  }

  function chip(piece) {
    const { kind, text, part } = describe(piece);
    const removable = piece.field !== "title"; // the title is the line itself: edit the text to change it
    return h("li", { class: `chip chip-${piece.field.replace(/_/g, "-")}`, dataset: { field: piece.field } },
      h("span", { class: "chip-kind" }, `${kind}:`), " ",
      h("span", { class: "chip-text" }, text),
      removable && h("button", {
        type: "button", class: "chip-remove", "aria-label": `Remove ${part}`, title: `Remove ${part}`,
        onclick: () => remove(piece),
      }, icon("close", 14)));
  }

  function remove(piece) {
    const index = visible().filter((p) => p.field !== "title").findIndex((p) => keyOf(p) === keyOf(piece));
    dropped.add(keyOf(piece));
    render();
    announce.textContent = `Removed ${describe(piece).part}`;
    // Keyboard users stay in the chips: the next remove button, else the previous one, else the line.
    const left = [...chips.querySelectorAll(".chip-remove")];
    (left[Math.min(index, left.length - 1)] ?? input).focus();
  }

  /** The body for POST /tasks: exactly the chips on screen. */
  function body() {
    const task = {};
    const tags = [];
    for (const piece of visible()) {
      if (piece.field === "tags") tags.push(piece.value);
      else task[piece.field] = piece.value;
    }
    if (tags.length) task.tags = tags;
    return task;
  }

  async function save(event) {
    event.preventDefault();
    if (!input.value.trim()) return input.focus();
    // Enter right after typing: read the line first, so what is saved is what the chips then show.
    if (!reading || reading.text !== input.value || timer) await read();
    if (!reading) return input.focus();
    submit.disabled = true;
    try {
      const task = await api("/tasks", { method: "POST", body: body() });
      reset();
      emit("tasks-changed", task);
      toast(`Added “${task.title}”`);
    } catch (error) {
      problem = error.errors?.[0] ? `${error.errors[0].field}: ${error.errors[0].message}` : error.message;
      render();
    } finally {
      submit.disabled = false;
      input.focus();
    }
  }

  function reset() {
    request += 1;
    clearTimeout(timer);
    timer = null;
    input.value = "";
    reading = null;
    problem = null;
    dropped = new Set();
    render();
  }

  render();
  return form;
}
