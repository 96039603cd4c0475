// Settings' "Notifications" card: one switch per kind, saved as it is flipped (PATCH /api/me notify).
import { api } from "../api.js";
import { h } from "../dom.js";
import { setUser, user } from "../session.js";
import { toast } from "../toast.js";

// Every kind the server knows, in the order shown; your own changes are never among them.
const KINDS = [
  ["reminder", "Reminders", "When a task's reminder time comes."],
  ["spawned", "Next instance of a repeating task", "When a repeating task's next one is added."],
  ["webhook_failed", "Failed webhooks", "When a reminder could not be delivered to your webhook URL."],
];

export function notificationSettingsSection() {
  const prefs = user().notify ?? {};
  const switches = KINDS.map(([kind, label, hint]) => {
    const input = h("input", { type: "checkbox", name: `notify-${kind}`, checked: prefs[kind] !== false, onchange: () => save(kind, input) });
    return h("div", {}, h("label", { class: "switch" }, input, h("span", {}, label)), h("p", { class: "hint" }, hint));
  });

  async function save(kind, input) {
    input.disabled = true;
    try {
      setUser(await api("/me", { method: "PATCH", body: { notify: { [kind]: input.checked } } }));
      toast(input.checked ? "Notifications turned on" : "Notifications turned off");
    } catch (error) {
      input.checked = !input.checked;
      toast(error.message, { kind: "error" });
    } finally {
      input.disabled = false;
    }
  }

  return h("section", { class: "card", "aria-labelledby": "notify-title" },
    h("h2", { id: "notify-title" }, "Notifications"),
    h("p", { class: "hint" }, "Doable tells you what you did not just do yourself. Your own changes, from any device or assistant, never notify."),
    h("fieldset", {}, h("legend", { class: "sr-only" }, "Notify me about"), ...switches));
}
