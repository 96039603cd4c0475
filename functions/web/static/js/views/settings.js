// Settings: name, the time zone every time is shown in, the webhook that receives reminders, and access tokens.
import { api } from "../api.js";
import { accessTokensSection } from "./access-tokens.js";
import { h } from "../dom.js";
import { notificationSettingsSection } from "./notification-settings.js";
import { clearErrors, field, showErrors } from "../forms.js";
import { icon } from "../icons.js";
import { setUser, user } from "../session.js";
import { deviceZone } from "../time.js";
import { toast } from "../toast.js";

function zones(current) {
  const all = Intl.supportedValuesOf?.("timeZone") ?? [];
  return [...new Set(["UTC", current, ...all])].sort((a, b) => (a === "UTC" ? -1 : b === "UTC" ? 1 : a.localeCompare(b)));
}

export function settingsView(signOut) {
  const me = user();
  const name = h("input", { type: "text", name: "name", value: me.name ?? "", autocomplete: "name" });
  const timezone = h("select", { name: "timezone" }, zones(me.timezone).map((z) => h("option", { value: z, selected: z === me.timezone }, z.replaceAll("_", " "))));
  const device = deviceZone();
  const useDevice = h("button", { type: "button", class: "btn btn-ghost btn-sm", hidden: device === me.timezone, onclick: () => { timezone.value = device; } },
    `Use this device's zone (${device})`);
  const webhook = h("input", { type: "url", name: "webhook_url", value: me.webhook_url ?? "", placeholder: "https://example.com/hooks/doable", inputMode: "url" });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Save settings");

  const form = h("form", { class: "stack", novalidate: true, onsubmit: (event) => { event.preventDefault(); save(); } },
    field("name", "Name", name),
    h("div", {}, field("timezone", "Time zone", timezone, "Due dates, reminders and history are shown in this zone."), useDevice),
    field("webhook_url", "Webhook URL", webhook, "Optional. When a reminder fires, Doable also POSTs it here as JSON (retried 3 times)."),
    h("div", { class: "form-actions" }, submit));

  async function save() {
    clearErrors(form);
    submit.disabled = true;
    try {
      const updated = await api("/me", { method: "PATCH", body: { name: name.value.trim() || me.name, timezone: timezone.value, webhook_url: webhook.value.trim() || null } });
      setUser(updated);
      useDevice.hidden = device === updated.timezone;
      toast("Settings saved");
    } catch (error) {
      showErrors(form, error);
    } finally {
      submit.disabled = false;
    }
  }

  return h("main", { class: "page page-narrow", id: "main", tabIndex: -1 },
    h("a", { href: "/", class: "back-link" }, icon("back", 16), "All tasks"),
    h("h1", {}, "Settings"),
    h("section", { class: "card", "aria-labelledby": "profile-title" }, h("h2", { id: "profile-title" }, "Profile"), form),
    notificationSettingsSection(),
    accessTokensSection(),
    h("section", { class: "card", "aria-labelledby": "account-title" },
      h("h2", { id: "account-title" }, "Account"),
      h("p", {}, "Signed in as ", h("strong", {}, me.email)),
      h("button", { type: "button", class: "btn btn-outline", onclick: signOut }, icon("logout", 16), h("span", {}, "Sign out"))));
}
