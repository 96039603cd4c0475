// A task's audit trail, oldest first: who did what and when, with each edit shown as "before → after".
import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { icon } from "../icons.js";
import { user } from "../session.js";
import { describeReminder, formatDateTime, relative } from "../time.js";

const ACTIONS = {
  "task.created": ["Created", "plus"],
  "task.updated": ["Edited", "edit"],
  "task.completed": ["Completed", "check"],
  "task.reopened": ["Reopened", "undo"],
  "task.deleted": ["Deleted", "trash"],
};
const FIELD_LABELS = {
  title: "Title", description: "Notes", priority: "Priority", tags: "Tags", due_at: "Due",
  recurrence: "Repeat", reminder_minutes_before: "Reminder", status: "Status",
};

function show(name, value) {
  if (value == null || value === "" || (Array.isArray(value) && value.length === 0)) return "none";
  if (name === "due_at") return formatDateTime(value);
  if (name === "tags") return value.map((tag) => `#${tag}`).join(" ");
  if (name === "reminder_minutes_before") return describeReminder(value);
  return String(value);
}

/** What a task looked like when it was created: "high · due Tue 1 Dec, 09:00 · monthly · #home". */
function summary(task) {
  return [
    `${task.priority} priority`,
    task.due_at && `due ${formatDateTime(task.due_at)}`,
    task.recurrence !== "none" && task.recurrence,
    task.reminder_minutes_before != null && `reminder ${describeReminder(task.reminder_minutes_before)}`,
    task.tags.length > 0 && task.tags.map((tag) => `#${tag}`).join(" "),
  ].filter(Boolean).join(" · ");
}

function entryView(entry, previous) {
  const [label, iconName] = ACTIONS[entry.action] ?? [entry.action.replace(/^task\./, ""), "history"];
  const changes = Object.entries(entry.action === "task.updated" ? entry.changes ?? {} : {});
  return h("li", { class: "timeline-item" },
    h("span", { class: "timeline-dot", "aria-hidden": "true" }, icon(iconName, 14)),
    h("div", { class: "timeline-body" },
      h("p", { class: "timeline-head" },
        h("strong", {}, label),
        h("span", { class: "muted" }, entry.user_id === user()?.id ? "by you" : "by Doable"),
        h("time", { dateTime: entry.at, title: relative(entry.at) }, formatDateTime(entry.at))),
      entry.action === "task.created" && entry.task && h("p", { class: "timeline-summary" }, summary(entry.task)),
      changes.length > 0 && h("dl", { class: "changes" }, changes.map(([name, value]) => [
        h("dt", {}, FIELD_LABELS[name] ?? name),
        h("dd", {},
          previous?.task && h("span", { class: "old" }, show(name, previous.task[name])),
          previous?.task && h("span", { "aria-label": "changed to" }, " → "),
          h("span", { class: "new" }, show(name, value))),
      ])),
      entry.correlation_id && h("p", { class: "hint" }, "Request ",
        h("code", { class: "mono", title: entry.correlation_id }, entry.correlation_id.slice(0, 8)))));
}

export function historyView(signal, taskId) {
  const body = h("div", { class: "card history-card", "aria-live": "polite" }, h("p", { class: "muted" }, "Loading history…"));
  const heading = h("h1", {}, "History");
  const element = h("main", { class: "page page-narrow", id: "main", tabIndex: -1 },
    h("a", { href: "/", class: "back-link" }, icon("back", 16), "All tasks"),
    heading, body);

  (async () => {
    try {
      const entries = await api(`/tasks/${encodeURIComponent(taskId)}/history`);
      if (signal.aborted) return;
      const latest = entries.at(-1)?.task;
      heading.textContent = latest ? `History of “${latest.title}”` : "History";
      replace(body,
        entries.length === 0
          ? h("p", { class: "muted" }, "Nothing has happened to this task yet.")
          : h("ol", { class: "timeline" }, entries.map((entry, i) => entryView(entry, entries[i - 1]))));
    } catch (error) {
      replace(body, h("div", { class: "empty empty-error", role: "alert" },
        h("h2", {}, error.status === 404 ? "No history to show" : "Couldn't load the history"),
        h("p", {}, error.message),
        h("a", { href: "/", class: "btn btn-outline" }, "Back to tasks")));
    }
  })();
  return element;
}
