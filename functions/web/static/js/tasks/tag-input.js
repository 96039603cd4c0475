// A tag field: chips for chosen tags, a text box that adds on Enter or comma, and the user's own tags as suggestions.
import { h, replace, uid } from "../dom.js";
import { icon } from "../icons.js";

const normalise = (raw) => raw.trim().replace(/^#+/, "").toLowerCase();

/** Returns {element, input, value()}; `known` is [{tag, count}] from /api/tags. */
export function tagInput(initial, known) {
  let tags = [...initial];
  const chips = h("ul", { class: "chips", "aria-label": "Chosen tags" });
  const hintId = uid("hint");
  const input = h("input", {
    type: "text", id: uid("tags"), autocomplete: "off", placeholder: "Add a tag…",
    "aria-describedby": hintId, onkeydown: keydown, oninput: renderSuggestions,
  });
  const suggestions = h("div", { class: "suggestions", "aria-label": "Suggested tags", role: "group" });

  function add(raw) {
    const tag = normalise(raw);
    if (tag && !tags.includes(tag)) tags.push(tag);
    input.value = "";
    render();
  }

  function keydown(event) {
    if ((event.key === "Enter" || event.key === ",") && input.value.trim()) {
      event.preventDefault();
      add(input.value);
    } else if (event.key === "Backspace" && !input.value && tags.length) {
      tags.pop();
      render();
    }
  }

  function renderSuggestions() {
    const typed = normalise(input.value);
    const options = known.map((k) => k.tag).filter((tag) => !tags.includes(tag) && tag.startsWith(typed)).slice(0, 8);
    replace(
      suggestions,
      options.length > 0 && h("span", { class: "hint" }, "Suggestions:"),
      options.map((tag) => h("button", { type: "button", class: "chip chip-suggest", onclick: () => { add(tag); input.focus(); } }, `#${tag}`)),
    );
  }

  function render() {
    replace(
      chips,
      tags.map((tag) =>
        h(
          "li",
          { class: "chip" },
          `#${tag}`,
          h("button", {
            type: "button", class: "chip-remove", "aria-label": `Remove tag ${tag}`,
            onclick: () => { tags = tags.filter((t) => t !== tag); render(); input.focus(); },
          }, icon("close", 14)),
        ),
      ),
    );
    renderSuggestions();
  }

  render();
  const element = h(
    "div",
    { class: "tag-input" },
    h("div", { class: "tag-box", onclick: (event) => event.target === event.currentTarget && input.focus() }, chips, input),
    h("p", { class: "hint", id: hintId }, "Press Enter or comma to add a tag."),
    suggestions,
  );
  return {
    element,
    input,
    value: () => (input.value.trim() ? [...tags, normalise(input.value)] : tags),
  };
}
