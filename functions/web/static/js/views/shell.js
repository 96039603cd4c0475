// The signed-in frame around every page: top bar with navigation, assistant and bell, and the page slot.
import { h, replace } from "../dom.js";
import { icon } from "../icons.js";
import { chatPanel } from "./chat.js";
import { notificationBell } from "./notifications.js";

export function createShell(root) {
  const lifetime = new AbortController();
  const chat = chatPanel();
  const tasksLink = h("a", { href: "/", class: "nav-link" }, "Tasks");
  const todayLink = h("a", { href: "/today", class: "nav-link" }, "Today");
  const upcomingLink = h("a", { href: "/upcoming", class: "nav-link" }, "Upcoming");
  const settingsLink = h("a", { href: "/settings", class: "icon-btn", "aria-label": "Settings", title: "Settings" }, icon("settings", 20));
  const slot = h("div", { class: "page-slot" });

  replace(
    root,
    h("a", { href: "#main", class: "skip-link", onclick: (event) => { event.preventDefault(); document.getElementById("main")?.focus(); } }, "Skip to content"),
    h("header", { class: "topbar" },
      h("div", { class: "topbar-inner" },
        h("a", { href: "/", class: "brand", "aria-label": "Doable, all tasks" }, h("span", { class: "brand-mark", "aria-hidden": "true" }, "✓"), h("span", { class: "brand-name" }, "Doable")),
        h("nav", { "aria-label": "Main" }, tasksLink, todayLink, upcomingLink),
        h("div", { class: "topbar-actions" }, chat.button, notificationBell(lifetime.signal), settingsLink))),
    h("div", { class: "shell-body" }, slot, chat.panel),
  );

  return {
    show(page, path) {
      replace(slot, page);
      for (const [link, target] of [[tasksLink, "/"], [todayLink, "/today"], [upcomingLink, "/upcoming"], [settingsLink, "/settings"]]) {
        if (path === target) link.setAttribute("aria-current", "page");
        else link.removeAttribute("aria-current");
      }
    },
    destroy() {
      lifetime.abort();
      document.body.classList.remove("chat-open");
    },
  };
}
