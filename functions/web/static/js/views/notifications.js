// The bell: unread count polled every 5 s, a toast for each new notification (and a list refresh for a
// spawned instance), and a panel to read and dismiss them.
import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { emit, on } from "../events.js";
import { icon } from "../icons.js";
import { relative } from "../time.js";
import { toast } from "../toast.js";

const POLL_MS = 5000;
const KIND_ICONS = { reminder: "alarm", spawned: "repeat", webhook_failed: "close", completed: "check" };
const KIND_LABELS = { reminder: "Reminder", spawned: "Next up", webhook_failed: "Webhook failed", completed: "Done" };

export function notificationBell(signal) {
  let unread = [];
  let seen = null; // ids already announced; null until the first poll, so old ones are not toasted
  let available = true;

  const badge = h("span", { class: "badge-count", hidden: true });
  const button = h("button", {
    type: "button", class: "icon-btn bell", "aria-expanded": "false", "aria-controls": "notifications", "aria-haspopup": "true",
    onclick: () => setOpen(panel.hidden),
  }, icon("bell", 20), badge);
  const list = h("div", { class: "notif-list" });
  const markAll = h("button", { type: "button", class: "btn btn-ghost btn-sm", onclick: markAllRead }, "Mark all read");
  const panel = h("section", { class: "popover notif-panel", id: "notifications", hidden: true, "aria-labelledby": "notif-title" },
    h("header", { class: "popover-head" }, h("h2", { id: "notif-title", tabIndex: -1 }, "Notifications"), markAll),
    list);
  const element = h("div", { class: "bell-wrap" }, button, panel);

  function renderBadge() {
    const count = unread.length;
    badge.hidden = count === 0;
    badge.textContent = count > 99 ? "99+" : String(count);
    button.setAttribute("aria-label", available ? `Notifications, ${count} unread` : "Notifications");
    markAll.disabled = count === 0;
  }

  async function poll() {
    if (document.hidden && seen) return;
    try {
      unread = (await api("/notifications", { params: "unread=true" })).items ?? [];
      available = true;
    } catch (error) {
      available = error.status !== 404;
      return renderBadge();
    }
    const fresh = seen ? unread.filter((n) => !seen.has(n.id)) : [];
    seen = new Set([...(seen ?? []), ...unread.map((n) => n.id)]);
    fresh.slice(0, 3).forEach((n) => toast(`${KIND_LABELS[n.kind] ?? "Notification"}: ${n.title}`));
    // A series' next instance spawned at its due time (or by another client) belongs in the list on screen.
    if (fresh.some((n) => n.kind === "spawned")) emit("tasks-changed", null);
    renderBadge();
    if (!panel.hidden) renderList();
  }

  async function renderList() {
    try {
      const items = (await api("/notifications")).items ?? [];
      replace(list, items.length === 0
        ? h("p", { class: "empty-small muted" }, "No notifications yet. Reminders, the next instance of a repeating task and failed webhooks show up here.")
        : h("ul", {}, items.slice(0, 50).map(itemView)));
    } catch (error) {
      replace(list, h("p", { class: "empty-small", role: "alert" },
        error.status === 404 ? "Notifications aren't available on this server yet." : error.message));
    }
  }

  function itemView(n) {
    const isUnread = !n.read_at;
    return h("li", { class: `notif ${isUnread ? "is-unread" : ""}` },
      h("span", { class: `notif-icon notif-${n.kind}`, "aria-hidden": "true" }, icon(KIND_ICONS[n.kind] ?? "bell", 16)),
      h("div", { class: "notif-body" },
        h("p", { class: "notif-title" }, isUnread && h("span", { class: "sr-only" }, "Unread: "), n.title),
        n.body && h("p", { class: "notif-text" }, n.body),
        h("time", { class: "hint", dateTime: n.created_at }, relative(n.created_at))),
      isUnread && h("button", { type: "button", class: "btn btn-ghost btn-sm", "aria-label": `Mark read: “${n.title}”`, onclick: () => markRead([n]) }, "Mark read"));
  }

  async function markRead(items) {
    try {
      await Promise.all(items.map((n) => api(`/notifications/${n.id}/read`, { method: "POST" })));
    } catch (error) {
      toast(error.message, { kind: "error" });
    }
    await poll();
    await renderList();
  }

  async function markAllRead() {
    try {
      await api("/notifications/read-all", { method: "POST" });
    } catch (error) {
      toast(error.message, { kind: "error" });
    }
    await poll();
    await renderList();
  }

  function setOpen(open) {
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open) {
      renderList();
      panel.querySelector("h2").focus();
    }
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) { setOpen(false); button.focus(); }
  }, { signal });
  document.addEventListener("click", (event) => {
    if (!panel.hidden && !element.contains(event.target)) setOpen(false);
  }, { signal });
  on("tasks-changed", () => setTimeout(poll, 400), signal);
  const timer = setInterval(poll, POLL_MS);
  signal.addEventListener("abort", () => clearInterval(timer));
  renderBadge();
  poll();
  return element;
}
