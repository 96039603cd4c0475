// The reminder lead picker: none, 10 minutes, 1 hour, 1 day, or a custom amount in minutes, hours or days.
import { h, uid } from "../dom.js";

const PRESETS = [["", "No reminder"], ["10", "10 minutes before"], ["60", "1 hour before"], ["1440", "1 day before"], ["custom", "Custom…"]];
const UNITS = [["1", "minutes"], ["60", "hours"], ["1440", "days"]];

export function reminderField(minutes) {
  const preset = minutes == null ? "" : PRESETS.some(([v]) => v === String(minutes)) ? String(minutes) : "custom";
  const unit = minutes && minutes % 1440 === 0 ? "1440" : minutes && minutes % 60 === 0 ? "60" : "1";
  const select = h("select", { id: uid("reminder"), name: "reminder", onchange: sync },
    PRESETS.map(([value, label]) => h("option", { value, selected: value === preset }, label)));
  const amount = h("input", {
    type: "number", min: 0, step: 1, inputMode: "numeric", "aria-label": "Remind how long before",
    value: preset === "custom" ? String(minutes / Number(unit)) : "",
  });
  const unitSelect = h("select", { "aria-label": "Unit" }, UNITS.map(([value, label]) => h("option", { value, selected: value === unit }, label)));
  const custom = h("div", { class: "row custom-reminder" }, amount, unitSelect, h("span", { class: "muted" }, "before"));

  function sync() {
    custom.hidden = select.value !== "custom";
    if (!custom.hidden && !amount.value) amount.focus();
  }
  sync();

  return {
    element: h("div", { class: "field", dataset: { field: "reminder_minutes_before" } },
      h("label", { htmlFor: select.id }, "Reminder"), select, custom),
    setEnabled(enabled) {
      [select, amount, unitSelect].forEach((control) => (control.disabled = !enabled));
    },
    /** Minutes, null for none, or undefined when the custom amount is not a whole number. */
    value() {
      if (select.value === "") return null;
      if (select.value !== "custom") return Number(select.value);
      const count = Number(amount.value);
      return amount.value !== "" && Number.isInteger(count) && count >= 0 ? count * Number(unitSelect.value) : undefined;
    },
  };
}
