// The sort selector: which field, plus a direction button that says in words which way the list runs.
import { h, uid } from "../dom.js";
import { icon } from "../icons.js";

const FIELDS = {
  created_at: { label: "Date added", asc: "Oldest first", desc: "Newest first" },
  due_at: { label: "Due date", asc: "Soonest first", desc: "Latest first" },
  priority: { label: "Priority", asc: "High first", desc: "Low first" },
};
const RELEVANCE = { label: "Best match", asc: "Best first" };

/** `sort` is the API value ("", "due_at", "-priority", …); "" means the server default for the query. */
export function describeSort(sort, searching) {
  if (!sort && searching) return { field: "", ...RELEVANCE, direction: RELEVANCE.asc, descending: false };
  const value = sort || "-created_at";
  const descending = value.startsWith("-");
  const field = value.replace(/^-/, "");
  return { field, ...FIELDS[field], direction: FIELDS[field][descending ? "desc" : "asc"], descending };
}

export function sortControl(sort, searching, change) {
  const active = describeSort(sort, searching);
  const select = h("select", { id: uid("sort"), onchange: (e) => change(e.target.value === "created_at" ? "-created_at" : e.target.value) },
    searching && h("option", { value: "", selected: active.field === "" }, RELEVANCE.label),
    Object.entries(FIELDS).map(([value, { label }]) => h("option", { value, selected: active.field === value }, label)));
  const direction = h("button", {
    type: "button", class: "btn btn-outline sort-direction", disabled: active.field === "",
    "aria-label": `Order: ${active.direction}. Press to reverse.`,
    onclick: () => change(`${active.descending ? "" : "-"}${active.field}`),
  }, icon(active.descending ? "arrowDown" : "arrowUp", 16), h("span", { class: "sort-direction-text", "aria-hidden": "true" }, active.direction));
  return h("div", { class: "sort" }, h("label", { htmlFor: select.id }, "Sort by"), select, direction);
}
