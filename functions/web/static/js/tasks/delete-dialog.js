// Asks before deleting; a recurring task asks whether to delete this occurrence or the whole series.
import { h } from "../dom.js";

/** Resolves "one", "series" or null (cancelled). */
export function confirmDelete(task) {
  const recurring = task.recurrence !== "none";
  return new Promise((resolve) => {
    const dialog = h(
      "dialog",
      { class: "dialog dialog-sm", "aria-labelledby": "delete-title", "aria-describedby": "delete-text" },
      h(
        "form",
        { method: "dialog", class: "stack" },
        h("h2", { id: "delete-title" }, recurring ? "Delete a recurring task" : "Delete this task?"),
        h(
          "p",
          { id: "delete-text" },
          recurring
            ? `“${task.title}” repeats ${task.recurrence}. Delete only this occurrence, or the whole series with its future occurrences?`
            : `“${task.title}” will be deleted. Its history stays in the audit log.`,
        ),
        h(
          "div",
          { class: "form-actions" },
          h("button", { class: "btn btn-ghost", value: "", autofocus: true }, "Cancel"),
          recurring && h("button", { class: "btn btn-danger-outline", value: "series" }, "Delete the series"),
          h("button", { class: "btn btn-danger", value: "one" }, recurring ? "Only this one" : "Delete"),
        ),
      ),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue || null);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
