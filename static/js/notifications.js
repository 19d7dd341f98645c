// The bell in the page header: a live unread badge and a toast for each new notification.
import { showUnread } from "./badge.js";
import { ReconnectingSocket } from "./socket.js";

const TOAST_MS = 8000;
const badge = document.querySelector("[data-unread-badge]");
const label = document.querySelector("[data-unread-label]");
const toasts = document.querySelector("[data-toasts]");

// The bell's name for screen readers says the count the badge shows.
function showUnreadNotifications(count) {
  showUnread(badge, count, "unreadNotifications");
  if (label && typeof count === "number") {
    label.textContent = count
      ? interpolate(ngettext("Notifications, %s unread", "Notifications, %s unread", count), [count])
      : gettext("Notifications");
  }
}

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

// Each notification is shown once, however often it arrives (state, live, resume).
const shown = new Set();
// Every notification up to this id has been seen: the first state's newest, then what resume
// answered. Live frames do not move it, since one missed while the connection was down leaves
// a gap below them.
let syncedUpTo = null;

function take(notification) {
  if (shown.has(notification.id)) return;
  shown.add(notification.id);
  if (!notification.read) showToast(notification);
  // Pages that list what notifications are about (live_sections.js) bring themselves up to date.
  window.dispatchEvent(new CustomEvent("cohort:notification", { detail: notification }));
}

new ReconnectingSocket("/ws/notifications/", {
  onMessage(frame, socket) {
    switch (frame.type) {
      case "notifications.state":
        showUnreadNotifications(frame.unread);
        if (syncedUpTo === null) {
          // The first state is what the page already stands for; later ones are followed by
          // the resume below, which shows what came in meanwhile.
          syncedUpTo = frame.latest_id;
          for (const notification of frame.items) shown.add(notification.id);
        }
        break;
      case "notifications.read":
        showUnreadNotifications(frame.unread);
        break;
      case "notification.new":
        showUnreadNotifications(frame.unread);
        take(frame.notification);
        break;
      case "notifications.resume":
        for (const notification of frame.notifications) {
          take(notification);
          syncedUpTo = Math.max(syncedUpTo, notification.id);
        }
        showUnreadNotifications(frame.unread);
        if (frame.more) socket.send({ type: "resume", after: syncedUpTo });
        break;
      default:
        break;
    }
    document.body.dataset.notificationsShown = String(shown.size);
  },
  onResume(socket) {
    if (syncedUpTo !== null) socket.send({ type: "resume", after: syncedUpTo });
  },
  onState(state) {
    document.body.dataset.notificationSocket = state;
  },
});
