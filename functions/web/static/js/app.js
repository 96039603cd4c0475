// Starts the app: decides which page a path shows, keeps the session, and swaps pages without reloads.
import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { on } from "./events.js";
import { interceptLinks, navigate, onNavigate } from "./router.js";
import { signOut, setUser, token, user } from "./session.js";
import { toast } from "./toast.js";
import { todayView, upcomingView } from "./views/agenda.js";
import { authView } from "./views/auth.js";
import { historyView } from "./views/history.js";
import { settingsView } from "./views/settings.js";
import { createShell } from "./views/shell.js";
import { tasksView } from "./views/tasks.js";

const root = document.getElementById("app");
let shell = null;
let page = null; // AbortController for the page on screen: aborting it removes its listeners and timers
let firstRender = true;

function leave() {
  signOut();
  shell?.destroy();
  shell = null;
  navigate("/signin", { replace: true });
}

function pageFor(path, signal) {
  if (path === "/") return ["Tasks", tasksView(signal)];
  if (path === "/today") return ["Today", todayView(signal)];
  if (path === "/upcoming") return ["Upcoming", upcomingView(signal)];
  if (path === "/settings") return ["Settings", settingsView(leave)];
  const taskHistory = path.match(/^\/tasks\/([^/]+)\/history$/);
  if (taskHistory) return ["History", historyView(signal, decodeURIComponent(taskHistory[1]))];
  return null;
}

async function render() {
  page?.abort();
  page = new AbortController();
  const path = location.pathname;
  if (path === "/signin" || path === "/signup") {
    if (token()) return navigate("/", { replace: true });
    shell?.destroy();
    shell = null;
    document.title = path === "/signup" ? "Create account · Doable" : "Sign in · Doable";
    return replace(root, authView(path.slice(1)));
  }
  if (!token()) return navigate("/signin", { replace: true });
  if (!user()) {
    try {
      setUser(await api("/me"));
    } catch (error) {
      if (error.status === 401) return;
      return replace(root, h("main", { class: "auth", id: "main" }, h("div", { class: "card empty empty-error", role: "alert" },
        h("h1", {}, "Doable is not responding"), h("p", {}, error.message),
        h("button", { class: "btn btn-primary", type: "button", onclick: render }, "Try again"))));
    }
  }
  const found = pageFor(path, page.signal);
  if (!found) return navigate("/", { replace: true });
  const [title, element] = found;
  shell ??= createShell(root);
  shell.show(element, path);
  document.title = `${title} · Doable`;
  if (!firstRender) element.focus({ preventScroll: true });
  firstRender = false;
}

on("unauthorized", () => {
  toast("Your session has ended. Please sign in again.", { kind: "error" });
  leave();
});
interceptLinks(document);
onNavigate(render);
render();
