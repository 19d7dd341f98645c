// An unread count in the page header, also kept on <body data-…> for tests and styles.
export function showUnread(badge, count, bodyKey) {
  if (!badge || typeof count !== "number") return;
  badge.textContent = count > 99 ? "99+" : String(count);
  badge.classList.toggle("hidden", count === 0);
  document.body.dataset[bodyKey] = String(count);
}
