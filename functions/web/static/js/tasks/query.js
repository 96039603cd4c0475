// The list's filters and sort as one state object, kept in the page URL (shareable, survives reload)
// and turned into the API's query string.
import { addDays, toIso } from "../time.js";

export const DEFAULTS = { q: "", status: "open", priorities: [], tags: [], from: "", to: "", overdue: false, sort: "" };
export const PAGE_SIZE = 20;

export function fromUrl(search = location.search) {
  const params = new URLSearchParams(search);
  return {
    q: params.get("q") ?? "",
    status: params.get("status") ?? DEFAULTS.status,
    priorities: params.getAll("priority"),
    tags: params.getAll("tag"),
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
    overdue: params.get("overdue") === "1",
    sort: params.get("sort") ?? "",
  };
}

export function toUrl(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.status !== DEFAULTS.status) params.set("status", state.status);
  state.priorities.forEach((p) => params.append("priority", p));
  state.tags.forEach((t) => params.append("tag", t));
  if (state.from) params.set("from", state.from);
  if (state.to) params.set("to", state.to);
  if (state.overdue) params.set("overdue", "1");
  if (state.sort) params.set("sort", state.sort);
  return params;
}

/** API parameters for one page; `limit` grows when a refresh must keep everything already shown. */
export function toApi(state, { cursor = null, limit = PAGE_SIZE } = {}) {
  const params = new URLSearchParams({ status: state.status, limit: String(Math.min(limit, 200)) });
  if (state.q.trim()) params.set("q", state.q.trim());
  state.priorities.forEach((p) => params.append("priority", p));
  state.tags.forEach((t) => params.append("tag", t));
  if (state.from) params.set("due_after", toIso(state.from, "00:00"));
  if (state.to) params.set("due_before", toIso(addDays(state.to, 1), "00:00"));
  if (state.overdue) params.set("overdue", "true");
  if (state.sort) params.set("sort", state.sort);
  if (cursor) params.set("cursor", cursor);
  return params;
}

/** How many filters differ from the defaults (the search box and sort are not filters). */
export function activeFilterCount(state) {
  return (
    (state.status !== DEFAULTS.status) + state.priorities.length + state.tags.length +
    Boolean(state.from) + Boolean(state.to) + state.overdue
  );
}
