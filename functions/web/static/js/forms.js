// Shows an ApiError on a form: each field error next to its field, the problem's detail above the buttons.
import { h, uid } from "./dom.js";

export function clearErrors(form) {
  form.querySelectorAll(".field-error, .form-error").forEach((node) => node.remove());
  form.querySelectorAll("[aria-invalid]").forEach((input) => {
    input.removeAttribute("aria-invalid");
    const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((id) => !id.startsWith("err-"));
    if (described.length) input.setAttribute("aria-describedby", described.join(" "));
    else input.removeAttribute("aria-describedby");
  });
}

/** Places errors: fields are found by a wrapping [data-field=name]; the first invalid input gets focus. */
export function showErrors(form, error) {
  clearErrors(form);
  const unplaced = [];
  for (const { field, message } of error.errors ?? []) {
    const wrapper = form.querySelector(`[data-field="${CSS.escape(field)}"]`);
    if (!wrapper) {
      unplaced.push(`${field}: ${message}`);
      continue;
    }
    const id = uid("err");
    wrapper.append(h("p", { class: "field-error", id }, message));
    const input = wrapper.querySelector("input, select, textarea");
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), id].filter(Boolean).join(" "));
    }
  }
  const summary = error.errors?.length && !unplaced.length ? "Please fix the highlighted fields." : error.message;
  const actions = form.querySelector(":scope > .form-actions");
  const box = h("div", { class: "form-error", role: "alert" }, summary, unplaced.length > 0 && h("ul", {}, unplaced.map((line) => h("li", {}, line))));
  form.insertBefore(box, actions);
  (form.querySelector("[aria-invalid]") ?? box).focus?.();
}

/** A labelled field: <div data-field><label/>control<p hint/></div>. */
export function field(name, label, control, hint) {
  control.id ||= uid(name);
  const hintId = hint ? uid("hint") : null;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  return h(
    "div",
    { class: "field", dataset: { field: name } },
    h("label", { htmlFor: control.id }, label),
    control,
    hint && h("p", { class: "hint", id: hintId }, hint),
  );
}
