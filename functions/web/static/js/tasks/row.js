// One task in the list: a done checkbox, the title (opens the editor), when it is due, and its details and actions.
import { h } from "../dom.js";
import { icon } from "../icons.js";
import { describeReminder, dueState, formatDateTime, isNear, relative } from "../time.js";
import { removeTask, setDone } from "./actions.js";
import { openEditor } from "./editor.js";

const DUE_LABEL = { overdue: "Overdue", soon: "Due soon" };

export function taskRow(task) {
  const done = task.status === "completed";
  const state = dueState(task);
  const checkbox = h("input", {
    type: "checkbox", class: "check", checked: done, "aria-label": `${done ? "Reopen" : "Complete"} “${task.title}”`,
    onchange: async () => {
      checkbox.disabled = true;
      if (!(await setDone(task, checkbox.checked))) checkbox.checked = done;
      checkbox.disabled = false;
    },
  });

  const meta = h(
    "div",
    { class: "task-meta" },
    task.due_at && h("span", { class: `due ${state ? `due-${state}` : ""}` },
      icon("calendar", 14),
      h("time", { dateTime: task.due_at, title: relative(task.due_at) }, formatDateTime(task.due_at)),
      state && h("span", { class: `badge badge-${state}` }, DUE_LABEL[state]),
      !state && !done && isNear(task.due_at) && h("span", { class: "muted" }, `· ${relative(task.due_at)}`)),
    task.recurrence !== "none" && h("span", { class: "meta-item" }, icon("repeat", 14), task.recurrence),
    task.reminder_minutes_before != null && h("span", { class: "meta-item", title: task.reminder_at ? `Reminder at ${formatDateTime(task.reminder_at)}` : null },
      icon("alarm", 14), describeReminder(task.reminder_minutes_before)),
    task.tags.map((tag) => h("span", { class: "tag" }, `#${tag}`)),
    done && task.completed_at && h("span", { class: "muted" }, `Done ${relative(task.completed_at)}`),
  );

  return h(
    "li",
    { class: `task ${done ? "is-done" : ""} ${state ? `is-${state}` : ""}`, dataset: { id: task.id } },
    checkbox,
    h(
      "div",
      { class: "task-body" },
      h("div", { class: "task-title-row" },
        h("button", { type: "button", class: "task-title", onclick: () => openEditor(task) }, task.title),
        h("span", { class: `priority priority-${task.priority}`, title: `${task.priority} priority` }, task.priority)),
      task.description && h("p", { class: "task-desc" }, task.description),
      meta,
    ),
    h(
      "div",
      { class: "task-actions" },
      h("button", { type: "button", class: "icon-btn action-edit", "aria-label": `Edit “${task.title}”`, title: "Edit", onclick: () => openEditor(task) }, icon("edit")),
      h("a", { class: "icon-btn", href: `/tasks/${task.id}/history`, "aria-label": `History of “${task.title}”`, title: "History" }, icon("history")),
      h("button", { type: "button", class: "icon-btn icon-btn-danger", "aria-label": `Delete “${task.title}”`, title: "Delete", onclick: () => removeTask(task) }, icon("trash")),
    ),
  );
}
