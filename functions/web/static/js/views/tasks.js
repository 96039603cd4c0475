// The task list: search, filters, sort, pages that load as you scroll, and clear empty and error states.
import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { on } from "../events.js";
import { icon } from "../icons.js";
import { setQuery } from "../router.js";
import { openEditor } from "../tasks/editor.js";
import { filterPanel } from "../tasks/filters.js";
import { quickAdd } from "../tasks/quick-add.js";
import { activeFilterCount, DEFAULTS, fromUrl, PAGE_SIZE, toApi, toUrl } from "../tasks/query.js";
import { taskRow } from "../tasks/row.js";
import { describeSort, sortControl } from "../tasks/sort.js";

export function tasksView(signal) {
  let state = fromUrl();
  let items = [];
  let total = 0;
  let totalExact = true;
  let cursor = null;
  let error = null;
  let loading = false;
  let loaded = false;
  let knownTags = [];
  let request = 0;

  const search = h("input", {
    type: "search", id: "search", placeholder: "Search tasks…", value: state.q, autocomplete: "off",
    "aria-keyshortcuts": "/", oninput: debounce(() => update({ q: search.value }), 250),
  });
  const filtersPane = h("aside", { class: "filters-pane", id: "filters", "aria-label": "Filters" });
  const filtersToggle = h("button", {
    type: "button", class: "btn btn-outline filters-toggle", "aria-expanded": "false", "aria-controls": "filters",
    onclick: () => {
      const open = filtersToggle.getAttribute("aria-expanded") !== "true";
      filtersToggle.setAttribute("aria-expanded", String(open));
      filtersPane.classList.toggle("is-open", open);
    },
  });
  const sortSlot = h("div", { class: "sort-slot" });
  const summary = h("p", { class: "results", id: "results", "aria-live": "polite" });
  const list = h("ul", { class: "task-list", "aria-labelledby": "tasks-title", "aria-describedby": "results" });
  const foot = h("div", { class: "list-foot" });
  const newTask = h("button", { type: "button", class: "btn btn-primary", "aria-keyshortcuts": "n", onclick: () => openEditor() },
    icon("plus"), h("span", {}, "New task"));

  const element = h(
    "main",
    { class: "page", id: "main", tabIndex: -1 },
    h("div", { class: "page-head" }, h("h1", { id: "tasks-title" }, "Tasks"), newTask),
    quickAdd(signal),
    h("div", { class: "list-layout" },
      h("div", { class: "toolbar" },
        h("div", { class: "search", role: "search" }, icon("search"), h("label", { htmlFor: "search", class: "sr-only" }, "Search tasks"), search),
        filtersToggle, sortSlot),
      filtersPane, summary, list, foot),
  );

  // Infinite scroll: the "Show more" button loads the next page by itself when it scrolls into view.
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting) && cursor && !loading && !error) load(false);
  }, { rootMargin: "200px" });
  signal.addEventListener("abort", () => observer.disconnect());

  function update(patch) {
    state = { ...state, ...patch };
    setQuery(toUrl(state));
    renderControls();
    load(true);
  }

  function renderControls() {
    const count = activeFilterCount(state);
    replace(filtersPane, filterPanel(state, knownTags, update));
    replace(filtersToggle, icon("filter", 16), h("span", {}, count ? `Filters (${count})` : "Filters"));
    replace(sortSlot, sortControl(state.sort, Boolean(state.q.trim()), (sort) => update({ sort })));
  }

  async function loadTags() {
    knownTags = await api("/tags").catch(() => knownTags);
    renderControls();
  }

  /** First page (reset), the next page, or a refresh that keeps as many rows as are shown. */
  async function load(reset, keep = 0) {
    const mine = ++request;
    loading = true;
    list.setAttribute("aria-busy", "true");
    renderFoot();
    try {
      const page = await api("/tasks", { params: toApi(state, reset ? { limit: Math.max(keep, PAGE_SIZE) } : { cursor }) });
      if (mine !== request) return;
      items = reset ? page.items : [...items, ...page.items];
      cursor = page.next_cursor;
      total = page.total;
      totalExact = page.total_exact;
      error = null;
    } catch (problem) {
      if (mine !== request) return;
      error = problem;
    }
    loading = false;
    loaded = true;
    list.removeAttribute("aria-busy");
    render();
  }

  function render() {
    const sort = describeSort(state.sort, Boolean(state.q.trim()));
    summary.textContent = !loaded || error || total === 0 ? "" : `${countText()} ${total === 1 && totalExact ? "task" : "tasks"} · ${sort.label.toLowerCase()}, ${sort.direction.toLowerCase()}`;
    replace(list, items.map(taskRow));
    list.hidden = items.length === 0;
    renderFoot();
    observer.unobserve(foot);
    observer.observe(foot); // re-checks at once: a short page with more to come keeps loading
  }

  /** The server counts matches only up to a cap (1,000); past it the total means "at least". */
  function countText() {
    return `${total.toLocaleString("en-US")}${totalExact ? "" : "+"}`;
  }

  function renderFoot() {
    if (error) return replace(foot, problemState(error));
    if (loaded && items.length === 0) return replace(foot, emptyState());
    if (cursor) {
      return replace(foot, h("button", { type: "button", class: "btn btn-outline load-more", disabled: loading, onclick: () => load(false) },
        loading ? "Loading…" : totalExact ? `Show more (${(total - items.length).toLocaleString("en-US")} left)` : "Show more"));
    }
    replace(foot, loading && !loaded ? h("p", { class: "muted center" }, "Loading tasks…") : null);
  }

  function problemState(problem) {
    return h("div", { class: "empty empty-error", role: "alert" },
      h("h2", {}, "Couldn't load your tasks"),
      h("p", {}, problem.message),
      h("button", { type: "button", class: "btn btn-outline", onclick: () => load(true) }, "Try again"));
  }

  function emptyState() {
    const narrowed = state.q.trim() || activeFilterCount(state) > 0;
    if (narrowed) {
      return h("div", { class: "empty" },
        h("h2", {}, "No tasks match"),
        h("p", { class: "muted" }, "Try other words or fewer filters."),
        h("button", { type: "button", class: "btn btn-outline", onclick: () => { search.value = ""; update({ ...DEFAULTS, sort: state.sort }); } }, "Clear search and filters"));
    }
    return h("div", { class: "empty" },
      h("div", { class: "empty-art", "aria-hidden": "true" }, "✓"),
      h("h2", {}, "All clear"),
      h("p", { class: "muted" }, "You have no open tasks. Add one, or ask the assistant: “add pay rent every month on the 1st”."),
      h("button", { type: "button", class: "btn btn-primary", onclick: () => openEditor() }, icon("plus"), h("span", {}, "Add a task")));
  }

  on("tasks-changed", () => { load(true, items.length); loadTags(); }, signal);
  addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || document.querySelector("dialog[open]")) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return;
    if (event.key === "/") { event.preventDefault(); search.focus(); }
    if (event.key === "n") { event.preventDefault(); openEditor(); }
  }, { signal });

  renderControls();
  loadTags();
  load(true);
  return element;
}

function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
