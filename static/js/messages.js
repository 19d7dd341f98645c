// Direct messages: the unread badge in the page header on every page, and the
// conversation page when one is open. One socket per page (docs/protocol.md, /ws/messages/).
import { ReconnectingSocket } from "./socket.js";
import { mountConversation } from "./conversation.js";

const badge = document.querySelector("[data-dm-badge]");
const views = [];

function showUnread(count) {
  if (!badge || typeof count !== "number") return;
  badge.textContent = count > 99 ? "99+" : String(count);
  badge.classList.toggle("hidden", count === 0);
  document.body.dataset.unreadMessages = String(count);
}

const socket = new ReconnectingSocket("/ws/messages/", {
  onOpen() {
    for (const view of views) view.onOpen();
  },
  onMessage(frame) {
    if (frame.type !== "error" && "unread" in frame) showUnread(frame.unread);
    for (const view of views) view.onFrame(frame);
  },
  onState(state) {
    document.body.dataset.messageSocket = state;
  },
});

const conversation = document.querySelector("[data-conversation]");
if (conversation) views.push(mountConversation(conversation, socket));
