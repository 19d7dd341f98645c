// Direct messages: the unread badge in the page header on every page, and the
// conversation page when one is open. One socket per page (docs/protocol.md, /ws/messages/).
import { showUnread } from "./badge.js";
import { ReconnectingSocket } from "./socket.js";
import { mountConversation } from "./conversation.js";

const badge = document.querySelector("[data-dm-badge]");
const label = document.querySelector("[data-dm-label]");
const views = [];

// The mail link's name for screen readers says the count the badge shows; pages that list
// unread conversations (the dashboard) hear of changes.
function showUnreadMessages(count) {
  if (typeof count !== "number") return;
  showUnread(badge, count, "unreadMessages");
  if (label) {
    label.textContent = count
      ? interpolate(ngettext("Messages, %s unread", "Messages, %s unread", count), [count])
      : gettext("Messages");
  }
  window.dispatchEvent(new CustomEvent("cohort:unread-messages", { detail: count }));
}

const socket = new ReconnectingSocket("/ws/messages/", {
  onOpen() {
    for (const view of views) view.onOpen();
  },
  onResume() {
    for (const view of views) view.onResume();
  },
  onMessage(frame) {
    if (frame.type !== "error" && "unread" in frame) showUnreadMessages(frame.unread);
    for (const view of views) view.onFrame(frame);
  },
  onState(state, code) {
    document.body.dataset.messageSocket = state;
    for (const view of views) view.onState(state, code);
  },
});

const conversation = document.querySelector("[data-conversation]");
if (conversation) views.push(mountConversation(conversation, socket));
