// Client-side routes on real paths (the server answers index.html for any unknown path), with back/forward support.

const listeners = new Set();

export function onNavigate(handler) {
  listeners.add(handler);
}

export function navigate(path, { replace = false } = {}) {
  if (path === location.pathname + location.search) return;
  history[replace ? "replaceState" : "pushState"](null, "", path);
  listeners.forEach((handler) => handler());
}

/** Updates the query string of the current page without a navigation (list filters). */
export function setQuery(params) {
  const search = params.toString();
  history.replaceState(null, "", search ? `${location.pathname}?${search}` : location.pathname);
}

/** Same-origin <a href> clicks stay in the app. */
export function interceptLinks(root) {
  root.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='/']");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(link.getAttribute("href"));
  });
  addEventListener("popstate", () => listeners.forEach((handler) => handler()));
}
