// Direct messages: the unread badge in the page header on every page, and the
// conversation page when one is open. One socket per page (docs/protocol.md, /ws/messages/).
import { showUnread } from "./badge.js";
import { ReconnectingSocket } from "./socket.js";
import { mountConversation } from "./conversation.js";

const badge = document.querySelector("[data-dm-badge]");
const views = [];

const socket = new ReconnectingSocket("/ws/messages/", {
  onOpen() {
    for (const view of views) view.onOpen();
  },
  onResume() {
    for (const view of views) view.onResume();
  },
  onMessage(frame) {
    if (frame.type !== "error" && "unread" in frame) showUnread(badge, frame.unread, "unreadMessages");
    for (const view of views) view.onFrame(frame);
  },
  onState(state) {
    document.body.dataset.messageSocket = state;
  },
});

const conversation = document.querySelector("[data-conversation]");
if (conversation) views.push(mountConversation(conversation, socket));
