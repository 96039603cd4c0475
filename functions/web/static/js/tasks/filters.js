// The filter panel: status, priority, tags (the user's own), due date range and overdue-only; reports every change.
import { h, uid } from "../dom.js";
import { activeFilterCount, DEFAULTS } from "./query.js";

const STATUSES = [["open", "Open"], ["completed", "Done"], ["all", "All"]];
const PRIORITIES = [["high", "High"], ["medium", "Medium"], ["low", "Low"]];

/** Renders the panel for `state`; `change(patch)` is called with the changed keys. */
export function filterPanel(state, knownTags, change) {
  const statusName = uid("status");
  const toggle = (list, value, on) => (on ? [...list, value] : list.filter((v) => v !== value));

  const status = h("fieldset", { class: "filter-group" },
    h("legend", {}, "Status"),
    h("div", { class: "segments" }, STATUSES.map(([value, label]) =>
      h("label", { class: "segment" },
        h("input", { type: "radio", name: statusName, value, checked: state.status === value, onchange: () => change({ status: value }) }),
        h("span", {}, label)))));

  const priority = h("fieldset", { class: "filter-group" },
    h("legend", {}, "Priority"),
    h("div", { class: "chip-group" }, PRIORITIES.map(([value, label]) =>
      h("label", { class: `chip-toggle chip-${value}` },
        h("input", { type: "checkbox", value, checked: state.priorities.includes(value),
          onchange: (e) => change({ priorities: toggle(state.priorities, value, e.target.checked) }) }),
        h("span", {}, label)))));

  const tags = h("fieldset", { class: "filter-group" },
    h("legend", {}, "Tags"),
    knownTags.length === 0
      ? h("p", { class: "hint" }, "Tags you add to tasks show up here.")
      : h("div", { class: "chip-group" }, knownTags.map(({ tag, count }) =>
        h("label", { class: "chip-toggle" },
          h("input", { type: "checkbox", value: tag, checked: state.tags.includes(tag),
            onchange: (e) => change({ tags: toggle(state.tags, tag, e.target.checked) }) }),
          h("span", {}, `#${tag}`, h("span", { class: "count", "aria-label": `${count} tasks` }, count))))));

  const from = h("input", { type: "date", id: uid("from"), value: state.from, onchange: (e) => change({ from: e.target.value }) });
  const to = h("input", { type: "date", id: uid("to"), value: state.to, onchange: (e) => change({ to: e.target.value }) });
  const due = h("fieldset", { class: "filter-group" },
    h("legend", {}, "Due date"),
    h("div", { class: "date-range" },
      h("label", { htmlFor: from.id }, "From"), from,
      h("label", { htmlFor: to.id }, "Until"), to),
    h("label", { class: "switch" },
      h("input", { type: "checkbox", checked: state.overdue, onchange: (e) => change({ overdue: e.target.checked }) }),
      h("span", {}, "Overdue only")));

  const clear = activeFilterCount(state) > 0 && h("button", {
    type: "button", class: "btn btn-outline btn-sm",
    onclick: () => change({ status: DEFAULTS.status, priorities: [], tags: [], from: "", to: "", overdue: false }),
  }, "Clear filters");

  return h("div", { class: "filters" }, status, priority, tags, due, clear);
}
