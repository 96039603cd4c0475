// Sign in and sign up: one form that switches between the two; a new account takes the device's time zone.
import { api } from "../api.js";
import { h } from "../dom.js";
import { clearErrors, field, showErrors } from "../forms.js";
import { navigate } from "../router.js";
import { signIn } from "../session.js";
import { deviceZone } from "../time.js";

export function authView(mode) {
  const signingUp = mode === "signup";
  const email = h("input", { type: "email", name: "email", autocomplete: "email", required: true });
  const password = h("input", {
    type: "password", name: "password", required: true, minLength: signingUp ? 8 : null,
    autocomplete: signingUp ? "new-password" : "current-password",
  });
  const name = h("input", { type: "text", name: "name", autocomplete: "name" });
  const submit = h("button", { class: "btn btn-primary btn-block", type: "submit" }, signingUp ? "Create account" : "Sign in");

  const form = h(
    "form",
    { class: "stack", novalidate: true, onsubmit: (event) => { event.preventDefault(); send(); } },
    signingUp && field("name", "Your name", name),
    field("email", "Email", email),
    field("password", "Password", password, signingUp ? "At least 8 characters." : null),
    signingUp && h("p", { class: "hint" }, `Times will be shown in ${deviceZone()}; you can change this in Settings.`),
    h("div", { class: "form-actions" }, submit),
  );

  async function send() {
    clearErrors(form);
    submit.disabled = true;
    const body = { email: email.value.trim(), password: password.value };
    if (signingUp) Object.assign(body, { timezone: deviceZone(), ...(name.value.trim() && { name: name.value.trim() }) });
    try {
      const result = await api(signingUp ? "/auth/register" : "/auth/login", { method: "POST", body });
      signIn(result.token, result.user);
      navigate("/", { replace: true });
    } catch (error) {
      showErrors(form, error);
    } finally {
      submit.disabled = false;
    }
  }

  const view = h(
    "main",
    { class: "auth", id: "main" },
    h(
      "section",
      { class: "auth-card card", "aria-labelledby": "auth-title" },
      h("div", { class: "brand brand-lg" }, h("span", { class: "brand-mark", "aria-hidden": "true" }, "✓"), "Doable"),
      h("h1", { id: "auth-title" }, signingUp ? "Create your account" : "Welcome back"),
      h("p", { class: "muted" }, signingUp ? "Plan your days, get reminded, get things done." : "Sign in to see your tasks."),
      form,
      h(
        "p",
        { class: "auth-switch" },
        signingUp ? "Already have an account? " : "New to Doable? ",
        h("a", { href: signingUp ? "/signin" : "/signup" }, signingUp ? "Sign in" : "Create an account"),
      ),
    ),
  );
  queueMicrotask(() => (signingUp ? name : email).focus());
  return view;
}
