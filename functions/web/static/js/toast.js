// Short-lived messages in an aria-live region: confirmations politely, errors as alerts.
import { h } from "./dom.js";
import { icon } from "./icons.js";

const LIFETIME_MS = 5000;

/** toast("Saved") or toast(detail, {kind: "error", action: {label, run}}). */
export function toast(message, { kind = "info", action } = {}) {
  const region = document.getElementById("toasts");
  const close = () => item.remove();
  const item = h(
    "div",
    { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status" },
    h("span", { class: "toast-text" }, message),
    action && h("button", { class: "btn btn-ghost btn-sm", type: "button", onclick: () => { close(); action.run(); } }, action.label),
    h("button", { class: "icon-btn", type: "button", "aria-label": "Dismiss", onclick: close }, icon("close", 16)),
  );
  region.append(item);
  setTimeout(close, kind === "error" ? LIFETIME_MS * 2 : LIFETIME_MS);
}
