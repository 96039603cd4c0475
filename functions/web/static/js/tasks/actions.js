// Complete, reopen and delete, each with its toast (and undo where it makes sense); the list refreshes on "tasks-changed".
import { api } from "../api.js";
import { emit } from "../events.js";
import { toast } from "../toast.js";
import { confirmDelete } from "./delete-dialog.js";

export async function setDone(task, done) {
  try {
    const updated = await api(`/tasks/${task.id}/${done ? "complete" : "reopen"}`, { method: "POST" });
    emit("tasks-changed", updated);
    toast(done ? `Completed “${task.title}”` : `Reopened “${task.title}”`, {
      action: { label: "Undo", run: () => setDone(updated, !done) },
    });
    return updated;
  } catch (error) {
    toast(error.message, { kind: "error" });
    return null;
  }
}

export async function removeTask(task) {
  const scope = await confirmDelete(task);
  if (!scope) return false;
  try {
    await api(`/tasks/${task.id}`, { method: "DELETE", params: `scope=${scope}` });
    emit("tasks-changed", null);
    toast(scope === "series" ? `Deleted the “${task.title}” series` : `Deleted “${task.title}”`);
    return true;
  } catch (error) {
    toast(error.message, { kind: "error" });
    return false;
  }
}
