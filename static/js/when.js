// One way to show dates and times, in the page's language and the user's time zone (the
// body's data-time-zone). The server's `when` template filter (accounts/templatetags/
// datetimes.py) writes the same text: "Dec 1, 2026, 9:38 PM" / "2026년 12월 1일 오후 9:38",
// or "3 minutes ago" / "3분 전" for the relative style, which stays current here.

const RELATIVE_LIMIT_S = 7 * 24 * 3600;
const REFRESH_MS = 30000;

const OPTIONS = {
  datetime: { year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" },
  date: { year: "numeric", month: "short", day: "numeric" },
  time: { hour: "numeric", minute: "2-digit" },
};

function language() {
  return document.documentElement.lang || undefined;
}

function timeZone() {
  return document.body.dataset.timeZone || undefined;
}

// A date without a time ("2026-12-01") is a calendar day, the same in every time zone.
function isDay(iso) {
  return /^\d{4}-\d{2}-\d{2}$/.test(iso);
}

function absolute(date, style, zone) {
  let text;
  try {
    text = new Intl.DateTimeFormat(language(), { ...OPTIONS[style], timeZone: zone }).format(date);
  } catch {
    text = new Intl.DateTimeFormat(language(), OPTIONS[style]).format(date);
  }
  // ICU puts narrow no-break spaces before "PM"; the server writes plain ones.
  return text.replace(/[\u202f\u00a0]/g, " ");
}

function relative(date, now) {
  const seconds = (now - date) / 1000;
  if (seconds < -60 || seconds >= RELATIVE_LIMIT_S) return null;
  if (seconds < 60) return gettext("just now");
  const format = new Intl.RelativeTimeFormat(language(), { numeric: "always" });
  if (seconds < 3600) return format.format(-Math.floor(seconds / 60), "minute");
  if (seconds < 86400) return format.format(-Math.floor(seconds / 3600), "hour");
  return format.format(-Math.floor(seconds / 86400), "day");
}

// Return an ISO 8601 date or date-time as text in one of the styles: relative, datetime,
// date or time.
export function formatWhen(iso, style = "relative", now = Date.now()) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  if (isDay(iso)) return absolute(date, "date", "UTC");
  if (style === "relative") return relative(date, now) ?? absolute(date, "datetime", timeZone());
  return absolute(date, style in OPTIONS ? style : "datetime", timeZone());
}

function fill(element, now) {
  const iso = element.getAttribute("datetime");
  const style = element.dataset.when;
  element.textContent = formatWhen(iso, style, now);
  if (style === "relative" && !isDay(iso)) element.title = formatWhen(iso, "datetime");
}

// Return a <time> element for a date-time that arrived live (a socket frame, a fetch).
export function timeElement(iso, style = "relative") {
  const element = document.createElement("time");
  element.dateTime = iso;
  element.dataset.when = style;
  fill(element, Date.now());
  return element;
}

// Write every <time data-when> under root again (relative ones age).
export function refreshTimes(root = document) {
  const now = Date.now();
  for (const element of root.querySelectorAll("time[data-when]")) fill(element, now);
}

// Loaded by every page, and imported by modules: refresh the page's times once.
if (!document.documentElement.dataset.whenReady) {
  document.documentElement.dataset.whenReady = "1";
  refreshTimes();
  setInterval(refreshTimes, REFRESH_MS);
}
