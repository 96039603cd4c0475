// Times on screen are in the user's time zone (from /api/me), whatever the browser's own zone is;
// this module converts between that wall clock and the API's RFC 3339 instants.
import { user } from "./session.js";

const SOON_MS = 24 * 60 * 60 * 1000;
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;
// Locales with a 24-hour clock read "09:00"; 12-hour ones read "9:00 AM", not "09:00 AM".
const CLOCK_24 = ["h23", "h24"].includes(new Intl.DateTimeFormat(undefined, { hour: "numeric" }).resolvedOptions().hourCycle);
const HOUR = CLOCK_24 ? "2-digit" : "numeric";
/** How the list shows times, sent with chat messages so the assistant says them the same way. */
export const CLOCK = CLOCK_24 ? "24h" : "12h";
const pad = (n) => String(n).padStart(2, "0");

export function deviceZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function zone() {
  return user()?.timezone || deviceZone();
}

/** Wall-clock parts of an instant in the user's zone. */
function wall(instant, timeZone = zone()) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(instant);
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return { year: get("year"), month: get("month"), day: get("day"), hour: get("hour"), minute: get("minute"), second: get("second") };
}

/** Minutes the zone is ahead of UTC at `ms`. */
function offsetAt(ms, timeZone) {
  const w = wall(new Date(ms), timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

/** "2026-03-29" + "09:00" on the user's wall clock → "2026-03-29T09:00:00+02:00". */
export function toIso(date, time, timeZone = zone()) {
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  const naive = Date.UTC(y, m - 1, d, hh, mm);
  let offset = offsetAt(naive, timeZone);
  offset = offsetAt(naive - offset * 60000, timeZone); // second pass settles daylight-saving edges
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${date}T${pad(hh)}:${pad(mm)}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** An API instant → {date: "YYYY-MM-DD", time: "HH:MM"} for date and time inputs. */
export function toInputs(iso) {
  if (!iso) return { date: "", time: "" };
  const w = wall(new Date(iso));
  return { date: `${w.year}-${pad(w.month)}-${pad(w.day)}`, time: `${pad(w.hour)}:${pad(w.minute)}` };
}

/** "YYYY-MM-DD" plus `days`. */
export function addDays(date, days) {
  const [y, m, d] = date.split("-").map(Number);
  const next = new Date(Date.UTC(y, m - 1, d + days));
  return next.toISOString().slice(0, 10);
}

/** "Tue 14 Jan, 09:00" (with the year when it is not this year). */
export function formatDateTime(iso) {
  const date = new Date(iso);
  const sameYear = wall(date).year === wall(new Date()).year;
  return new Intl.DateTimeFormat(undefined, {
    timeZone: zone(), weekday: "short", day: "numeric", month: "short",
    year: sameYear ? undefined : "numeric", hour: HOUR, minute: "2-digit",
  }).format(date);
}

/** "in 3 hours", "2 days ago". */
export function relative(iso, now = Date.now()) {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  const units = [["day", 86400], ["hour", 3600], ["minute", 60]];
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return seconds >= 0 ? "in under a minute" : "just now";
}

/** Whether a relative phrase helps: "in 3 days" does, "in 1,508 days" does not. */
export function isNear(iso, now = Date.now()) {
  return Math.abs(new Date(iso).getTime() - now) < WEEK_MS;
}

/** "overdue", "soon" (within a day) or null, for open tasks with a due time. */
export function dueState(task, now = Date.now()) {
  if (task.status !== "open" || !task.due_at) return null;
  const left = new Date(task.due_at).getTime() - now;
  if (left < 0) return "overdue";
  return left <= SOON_MS ? "soon" : null;
}

/** "1 day before", "2 hours before", "90 minutes before", "at due time": a reminder lead in words. */
export function describeReminder(minutes) {
  if (minutes === 0) return "at due time";
  const [unit, size] = minutes % 1440 === 0 ? ["day", 1440] : minutes % 60 === 0 ? ["hour", 60] : ["minute", 1];
  const count = minutes / size;
  return `${count} ${unit}${count === 1 ? "" : "s"} before`;
}
