// The bell in the page header: a live unread badge and a toast for each new notification.
import { showUnread } from "./badge.js";
import { ReconnectingSocket } from "./socket.js";

const TOAST_MS = 8000;
const badge = document.querySelector("[data-unread-badge]");
const toasts = document.querySelector("[data-toasts]");

function isLocalPath(url) {
  return typeof url === "string" && url.startsWith("/") && !url.startsWith("//");
}

function showToast(notification) {
  if (!toasts) return;
  const toast = document.createElement("a");
  toast.className = "block rounded-lg border border-slate-200 bg-white p-3 shadow-lg hover:bg-slate-50";
  toast.href = isLocalPath(notification.url) ? notification.url : "/notifications/";
  toast.dataset.toast = String(notification.id);
  toast.textContent = notification.text;
  toasts.append(toast);
  setTimeout(() => toast.remove(), TOAST_MS);
}

new ReconnectingSocket("/ws/notifications/", {
  onMessage(frame) {
    switch (frame.type) {
      case "notifications.state":
      case "notifications.read":
        showUnread(badge, frame.unread, "unreadNotifications");
        break;
      case "notification.new":
        showUnread(badge, frame.unread, "unreadNotifications");
        showToast(frame.notification);
        break;
      default:
        break;
    }
  },
  onState(state) {
    document.body.dataset.notificationSocket = state;
  },
});
