// Today (overdue and due today) and Upcoming (the next 7 days, one group a day): the open tasks by due
// time, with days drawn on the user's own calendar, from the same list API as the task list.
import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { on } from "../events.js";
import { icon } from "../icons.js";
import { openEditor } from "../tasks/editor.js";
import { taskRow } from "../tasks/row.js";
import { addDays, toInputs, toIso } from "../time.js";

const UPCOMING_DAYS = 7;

/** "Mon 30 Nov" for a "YYYY-MM-DD" calendar day (a date, not an instant: no zone shifts it). */
function dayLabel(date, options = { weekday: "short", day: "numeric", month: "short" }) {
  const [y, m, d] = date.split("-").map(Number);
  return new Intl.DateTimeFormat(undefined, { ...options, timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** Every open task due before `before` (and at or after `after`, when given), soonest first. */
async function openTasksDue(after, before) {
  const params = new URLSearchParams({ status: "open", sort: "due_at", limit: "200", due_before: before });
  if (after) params.set("due_after", after);
  const items = [];
  for (;;) {
    const page = await api("/tasks", { params });
    items.push(...page.items);
    if (!page.next_cursor) return items;
    params.set("cursor", page.next_cursor);
  }
}

function section(id, title, note, tasks) {
  return h("section", { class: "day", "aria-labelledby": id },
    h("h2", { class: "day-head", id }, title, note && [" ", h("span", { class: "day-note" }, note)]),
    tasks.length
      ? h("ul", { class: "task-list", "aria-labelledby": id }, tasks.map(taskRow))
      : h("p", { class: "day-empty muted" }, "Nothing due."));
}

/** The page frame shared by both views: a heading, a body that loads, and reloads when tasks change. */
function agendaPage(signal, { title, subtitle, fetch, draw }) {
  const lead = h("p", { class: "results", "aria-live": "polite" });
  const body = h("div", { class: "agenda", "aria-busy": "true" }, h("p", { class: "muted center" }, "Loading tasks…"));
  const newTask = h("button", { type: "button", class: "btn btn-primary", onclick: () => openEditor() }, icon("plus"), h("span", {}, "New task"));
  const element = h("main", { class: "page page-agenda", id: "main", tabIndex: -1 },
    h("div", { class: "page-head" }, h("h1", {}, title), newTask), lead, body);
  let request = 0;

  async function load() {
    const mine = ++request;
    body.setAttribute("aria-busy", "true");
    const today = toInputs(new Date().toISOString()).date;
    try {
      const tasks = await fetch(today);
      if (mine !== request) return;
      lead.textContent = subtitle(today, tasks);
      replace(body, draw(today, tasks));
    } catch (problem) {
      if (mine !== request) return;
      lead.textContent = "";
      replace(body, h("div", { class: "empty empty-error", role: "alert" },
        h("h2", {}, "Couldn't load your tasks"), h("p", {}, problem.message),
        h("button", { type: "button", class: "btn btn-outline", onclick: load }, "Try again")));
    }
    body.removeAttribute("aria-busy");
  }

  on("tasks-changed", load, signal);
  load();
  return element;
}

const count = (n) => `${n} ${n === 1 ? "task" : "tasks"}`;

export function todayView(signal) {
  return agendaPage(signal, {
    title: "Today",
    fetch: (today) => openTasksDue(null, toIso(addDays(today, 1), "00:00")),
    subtitle: (today, tasks) => `${dayLabel(today, { weekday: "long", day: "numeric", month: "long" })} · ${count(tasks.length)}`,
    draw(today, tasks) {
      const start = Date.parse(toIso(today, "00:00"));
      const overdue = tasks.filter((t) => Date.parse(t.due_at) < start);
      const due = tasks.filter((t) => Date.parse(t.due_at) >= start);
      if (tasks.length === 0) {
        return h("div", { class: "empty" },
          h("div", { class: "empty-art", "aria-hidden": "true" }, "✓"),
          h("h2", {}, "Nothing due today"),
          h("p", { class: "muted" }, "No overdue tasks either. See what is coming up next."),
          h("a", { class: "btn btn-outline", href: "/upcoming" }, "Upcoming"));
      }
      return [
        overdue.length > 0 && section("day-overdue", "Overdue", null, overdue),
        section("day-today", "Today", dayLabel(today), due),
      ];
    },
  });
}

export function upcomingView(signal) {
  return agendaPage(signal, {
    title: "Upcoming",
    fetch: (today) => openTasksDue(toIso(today, "00:00"), toIso(addDays(today, UPCOMING_DAYS), "00:00")),
    subtitle: (today, tasks) => `${dayLabel(today)} – ${dayLabel(addDays(today, UPCOMING_DAYS - 1))} · ${count(tasks.length)}`,
    draw(today, tasks) {
      const byDay = new Map();
      for (const task of tasks) {
        const day = toInputs(task.due_at).date;
        byDay.set(day, [...(byDay.get(day) ?? []), task]);
      }
      return Array.from({ length: UPCOMING_DAYS }, (_, i) => {
        const day = addDays(today, i);
        const name = i === 0 ? "Today" : i === 1 ? "Tomorrow" : dayLabel(day, { weekday: "long" });
        return section(`day-${day}`, name, dayLabel(day, { day: "numeric", month: "short" }), byDay.get(day) ?? []);
      });
    },
  });
}
