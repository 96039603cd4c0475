// The create/edit dialog: title, notes, priority, tags, due date and time (user's zone), recurrence and reminder lead.
import { api } from "../api.js";
import { h, uid } from "../dom.js";
import { emit } from "../events.js";
import { icon } from "../icons.js";
import { clearErrors, field, showErrors } from "../forms.js";
import { toIso, toInputs, zone } from "../time.js";
import { toast } from "../toast.js";
import { reminderField } from "./reminder-field.js";
import { tagInput } from "./tag-input.js";

const PRIORITIES = ["high", "medium", "low"];
// The dates the API keeps (1970–2200); the browser's date input would otherwise take year 1 or 9999.
const DATE_MIN = "1970-01-01";
const DATE_MAX = "2200-12-31";
const RECURRENCES = [["none", "Does not repeat"], ["daily", "Every day"], ["weekly", "Every week"], ["monthly", "Every month"]];

/** Opens the dialog for `task`, or for a new task; saving announces "tasks-changed". */
export async function openEditor(task = null) {
  const known = await api("/tags").catch(() => []);
  const editing = Boolean(task);
  const due = toInputs(task?.due_at);

  const title = h("input", { type: "text", name: "title", required: true, maxLength: 200, value: task?.title ?? "", autocomplete: "off" });
  const description = h("textarea", { name: "description", rows: 2, value: task?.description ?? "" });
  const priorityName = uid("priority");
  const priority = h(
    "fieldset",
    { class: "field segmented", dataset: { field: "priority" } },
    h("legend", {}, "Priority"),
    h("div", { class: "segments" }, PRIORITIES.map((p) =>
      h("label", { class: `segment segment-${p}` },
        h("input", { type: "radio", name: priorityName, value: p, checked: (task?.priority ?? "medium") === p }),
        h("span", {}, p[0].toUpperCase() + p.slice(1))))),
  );
  const tags = tagInput(task?.tags ?? [], known);
  const date = h("input", { type: "date", name: "due-date", min: DATE_MIN, max: DATE_MAX, value: due.date, "aria-label": "Due date", oninput: sync });
  const time = h("input", { type: "time", name: "due-time", value: due.time, "aria-label": "Due time", oninput: sync });
  const clearDue = h("button", { type: "button", class: "btn btn-ghost btn-sm", onclick: () => { date.value = ""; time.value = ""; sync(); } }, "Clear");
  const recurrence = h("select", { name: "recurrence" },
    RECURRENCES.map(([value, label]) => h("option", { value, selected: (task?.recurrence ?? "none") === value }, label)));
  const reminder = reminderField(task?.reminder_minutes_before ?? null);
  const scheduleHint = h("p", { class: "hint" });
  const submit = h("button", { class: "btn btn-primary", type: "submit" }, editing ? "Save changes" : "Add task");

  const dueGroupId = uid("due");
  const form = h(
    "form",
    { class: "stack editor-form", novalidate: true, onsubmit: (event) => { event.preventDefault(); save(); } },
    field("title", "Title", title),
    field("description", "Notes", description),
    priority,
    h("div", { class: "field", dataset: { field: "tags" } }, h("label", { htmlFor: tags.input.id }, "Tags"), tags.element),
    h(
      "div",
      { class: "field", dataset: { field: "due_at" }, role: "group", "aria-labelledby": dueGroupId },
      h("span", { class: "label", id: dueGroupId }, "Due"),
      h("div", { class: "row" }, date, time, clearDue),
      h("p", { class: "hint" }, `Time zone: ${zone()}`),
    ),
    h("div", { class: "grid-2" }, field("recurrence", "Repeat", recurrence), reminder.element),
    scheduleHint,
    h("div", { class: "form-actions" },
      h("button", { class: "btn btn-ghost", type: "button", onclick: () => dialog.close() }, "Cancel"),
      submit),
  );

  const dialog = h(
    "dialog",
    { class: "dialog", "aria-labelledby": "editor-title" },
    h("header", { class: "dialog-head" },
      h("h2", { id: "editor-title" }, editing ? "Edit task" : "New task"),
      h("button", { class: "icon-btn", type: "button", "aria-label": "Close", onclick: () => dialog.close() }, icon("close"))),
    form,
  );

  function sync() {
    const hasDate = Boolean(date.value);
    if (hasDate && !time.value) time.value = "09:00";
    recurrence.disabled = !hasDate;
    reminder.setEnabled(hasDate);
    scheduleHint.textContent = hasDate ? "" : "Set a due date to repeat the task or get a reminder.";
  }

  function body() {
    const hasDate = Boolean(date.value);
    return {
      title: title.value,
      description: description.value,
      priority: form.querySelector(`input[name="${priorityName}"]:checked`).value,
      tags: tags.value(),
      due_at: hasDate ? toIso(date.value, time.value || "09:00") : null,
      recurrence: hasDate ? recurrence.value : "none",
      reminder_minutes_before: hasDate ? reminder.value() : null,
    };
  }

  /** What the browser can tell before asking the server, as one field error (or null). */
  function localProblem() {
    if (!title.value.trim()) return { field: "title", message: "Give the task a title." };
    // An impossible date ("31 February") leaves the input empty but marked bad: say so, never save it undated.
    if (date.validity.badInput) return { field: "due_at", message: "That date does not exist; pick a real day (e.g. 28 February, not 31 February)." };
    if (date.value && (date.value < DATE_MIN || date.value > DATE_MAX)) return { field: "due_at", message: "Pick a date from 1970 to 2200." };
    if (time.value && !date.value) return { field: "due_at", message: "Pick a date for this time." };
    if (reminder.value() === undefined) return { field: "reminder_minutes_before", message: "Enter how long before, as a whole number." };
    return null;
  }

  async function save() {
    clearErrors(form);
    const problem = localProblem();
    if (problem) return showErrors(form, { message: "", errors: [problem] });
    submit.disabled = true;
    try {
      const saved = editing
        ? await api(`/tasks/${task.id}`, { method: "PATCH", body: body(), headers: { "If-Match": `"${task.version}"` } })
        : await api("/tasks", { method: "POST", body: body() });
      emit("tasks-changed", saved);
      toast(editing ? "Changes saved" : `Added “${saved.title}”`);
      dialog.close();
    } catch (error) {
      if (error.status === 412) error.message = "This task was changed somewhere else since you opened it. Close and open it again to see the latest version.";
      showErrors(form, error);
    } finally {
      submit.disabled = false;
    }
  }

  dialog.addEventListener("close", () => dialog.remove());
  sync();
  document.body.append(dialog);
  dialog.showModal();
  title.focus();
}
