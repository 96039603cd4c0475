// Complete, reopen and delete, each with its toast (and undo where it makes sense); the list refreshes on "tasks-changed".
import { api } from "../api.js";
import { emit } from "../events.js";
import { toast } from "../toast.js";
import { confirmDelete } from "./delete-dialog.js";

export async function setDone(task, done) {
  try {
    const updated = await api(`/tasks/${task.id}/${done ? "complete" : "reopen"}`, { method: "POST" });
    emit("tasks-changed", updated);
    if (done && task.recurrence !== "none" && task.due_at) awaitNextInstance(task);
    toast(done ? `Completed “${task.title}”` : `Reopened “${task.title}”`, {
      action: { label: "Undo", run: () => setDone(updated, !done) },
    });
    return updated;
  } catch (error) {
    toast(error.message, { kind: "error" });
    return null;
  }
}

// Completing a series' instance spawns the next one from an event a moment after the completion
// returns, so the refresh above can miss it: poll the list for it and refresh once it exists.
const NEXT_WAITS_MS = [250, 500, 1000, 2000, 2000, 4000, 8000, 15000];

async function awaitNextInstance(task) {
  const params = new URLSearchParams({ status: "open", due_after: task.due_at, sort: "due_at", limit: "50" });
  for (const wait of NEXT_WAITS_MS) {
    await new Promise((resolve) => setTimeout(resolve, wait));
    const page = await api("/tasks", { params }).catch(() => null);
    if (page?.items.some((t) => t.series_id === task.series_id && t.id !== task.id)) {
      emit("tasks-changed", null);
      return;
    }
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
