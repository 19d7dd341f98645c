// The conversation page: live messages, "seen", delete, older messages on scroll.
// Without JavaScript the page works through its forms; this module takes them over.
import { newClientId } from "./client_id.js";

const FOCUS_REFRESH_MS = 20000;
const NEAR_TOP_PX = 40;

function formatTime(iso) {
  const options = { dateStyle: "short", timeStyle: "short" };
  const timeZone = document.body.dataset.timeZone;
  try {
    return new Date(iso).toLocaleString(undefined, { ...options, timeZone });
  } catch {
    return new Date(iso).toLocaleString(undefined, options);
  }
}

export function mountConversation(root, socket) {
  const conversationId = Number(root.dataset.conversation);
  const otherId = Number(root.dataset.otherId);
  const me = Number(document.body.dataset.userId);
  const list = root.querySelector("[data-messages]");
  const scroller = root.querySelector("[data-scroller]");
  const form = root.querySelector("[data-send-form]");
  const input = root.querySelector("[data-body-input]");
  const errorBox = root.querySelector("[data-send-error]");
  const olderLink = root.querySelector("[data-older-link]");
  const csrfToken = form ? form.querySelector("[name=csrfmiddlewaretoken]").value : "";
  let seenUpTo = Number(root.dataset.seenUpTo) || 0;
  let readSent = 0;
  let moreOlder = Boolean(olderLink);
  let loadingOlder = false;
  // The message being sent: sent again under the same client id until the server has it.
  let pending = null;
  let retryTimer = null;

  const ids = () => [...list.querySelectorAll("[data-message-id]")].map((li) => Number(li.dataset.messageId));
  const lastId = () => Math.max(0, ...ids());
  const oldestId = () => Math.min(...ids());
  const item = (id) => list.querySelector(`[data-message-id="${id}"]`);

  function scrollToBottom() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  function showError(text) {
    if (!errorBox) return;
    errorBox.textContent = text;
    errorBox.classList.toggle("hidden", !text);
  }

  function tombstone(li) {
    const body = li.querySelector("[data-body]");
    body.textContent = gettext("This message was deleted.");
    body.classList.add("italic");
    li.querySelector("[data-delete-form]")?.remove();
  }

  function deleteForm(id) {
    const deleteForm = document.createElement("form");
    deleteForm.method = "post";
    deleteForm.action = root.dataset.deleteUrl.replace(/\/0\/delete\/$/, `/${id}/delete/`);
    deleteForm.dataset.deleteForm = "";
    const token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrfmiddlewaretoken";
    token.value = csrfToken;
    const button = document.createElement("button");
    button.type = "submit";
    button.className = "underline";
    button.dataset.delete = "";
    button.textContent = gettext("Delete");
    deleteForm.append(token, button);
    return deleteForm;
  }

  function render(message) {
    const mine = message.sender.id === me;
    const li = document.createElement("li");
    li.className = mine ? "flex justify-end" : "flex";
    li.dataset.messageId = String(message.id);
    if (mine) li.dataset.mine = "";
    const bubble = document.createElement("div");
    bubble.className = `max-w-md rounded-lg px-3 py-2 shadow-sm ${mine ? "bg-indigo-600 text-white" : "bg-white"}`;
    const body = document.createElement("p");
    body.className = "whitespace-pre-wrap break-words";
    body.dataset.body = "";
    body.textContent = message.body;
    const meta = document.createElement("div");
    meta.className = "mt-1 flex items-center gap-2 text-xs opacity-75";
    const time = document.createElement("time");
    time.dateTime = message.created_at;
    time.textContent = formatTime(message.created_at);
    meta.append(time);
    if (mine) {
      const seen = document.createElement("span");
      seen.className = "font-semibold hidden";
      seen.dataset.seenMark = "";
      seen.textContent = gettext("Seen");
      meta.append(seen);
      if (!message.deleted) meta.append(deleteForm(message.id));
    }
    bubble.append(body, meta);
    li.append(bubble);
    if (message.deleted) tombstone(li);
    return li;
  }

  function refreshSeen() {
    let newest = null;
    for (const li of list.querySelectorAll("[data-mine]")) {
      li.querySelector("[data-seen-mark]").classList.add("hidden");
      if (Number(li.dataset.messageId) <= seenUpTo) newest = li;
    }
    newest?.querySelector("[data-seen-mark]").classList.remove("hidden");
  }

  function add(message) {
    if (message.conversation !== conversationId) return false;
    const existing = item(message.id);
    if (existing) {
      if (message.deleted) tombstone(existing);
      return false;
    }
    list.querySelector("[data-empty]")?.remove();
    const later = ids().filter((id) => id > message.id);
    const li = render(message);
    if (later.length) item(Math.min(...later)).before(li);
    else list.append(li);
    return true;
  }

  function markRead() {
    const upTo = lastId();
    if (!upTo || upTo <= readSent || document.visibilityState !== "visible") return;
    if (socket.send({ type: "mark_read", conversation: conversationId, up_to: upTo })) {
      readSent = upTo;
      root.querySelector("[data-mark-read-form]")?.remove();
    }
  }

  // Send the pending message (again) under its client id: the server stores it once.
  function sendPending() {
    if (!pending) return false;
    const frame = { type: "send", to: otherId, body: pending.body, client_id: pending.clientId, ref: "send" };
    return socket.send(frame);
  }

  function focus() {
    socket.send({ type: "focus", conversation: conversationId });
  }

  async function loadOlder() {
    if (!moreOlder || loadingOlder) return;
    loadingOlder = true;
    try {
      const response = await fetch(`${root.dataset.historyUrl}?before=${oldestId()}`, {
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const page = await response.json();
      const height = scroller.scrollHeight;
      for (const message of page.messages) add(message);
      refreshSeen();
      scroller.scrollTop += scroller.scrollHeight - height;
      moreOlder = page.more;
      if (!moreOlder) olderLink?.remove();
    } finally {
      loadingOlder = false;
    }
  }

  scroller.addEventListener("scroll", () => {
    if (scroller.scrollTop < NEAR_TOP_PX) loadOlder();
  });
  olderLink?.querySelector("a").addEventListener("click", (event) => {
    event.preventDefault();
    loadOlder();
  });

  form?.addEventListener("submit", (event) => {
    const body = input.value.trim();
    if (!body) {
      event.preventDefault();
      showError(gettext("Write a message first."));
      return;
    }
    if (!pending || pending.body !== body) pending = { body, clientId: newClientId() };
    form.querySelector("[name=client_id]").value = pending.clientId;
    // Without an open socket the form is posted as it would be without JavaScript.
    if (!sendPending()) return;
    event.preventDefault();
    showError("");
  });
  input?.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  list.addEventListener("submit", (event) => {
    const li = event.target.closest("[data-message-id]");
    if (!li || !socket.send({ type: "delete", message: Number(li.dataset.messageId), ref: "delete" })) return;
    event.preventDefault();
  });

  document.addEventListener("visibilitychange", markRead);
  setInterval(focus, FOCUS_REFRESH_MS);
  refreshSeen();
  scrollToBottom();
  // Every message up to this id is shown: the page rendered them, or a resume answered them.
  // Live frames do not move it, since one missed while the connection was down leaves a gap.
  let syncedUpTo = lastId();
  document.body.dataset.conversationReady = "1";

  return {
    onOpen() {
      focus();
      // A send the server never answered (the connection dropped) goes again.
      sendPending();
    },
    onResume() {
      socket.send({ type: "resume", after: syncedUpTo, conversation: conversationId });
    },
    onFrame(frame) {
      switch (frame.type) {
        case "message.new":
        case "message.sent":
          if (pending && frame.message.client_id === pending.clientId) {
            if (input.value.trim() === pending.body) input.value = "";
            pending = null;
          }
          if (add(frame.message)) {
            refreshSeen();
            scrollToBottom();
          }
          markRead();
          break;
        case "messages.resume":
          for (const message of frame.messages) {
            add(message);
            syncedUpTo = Math.max(syncedUpTo, message.id);
          }
          if (frame.more) socket.send({ type: "resume", after: syncedUpTo, conversation: conversationId });
          refreshSeen();
          scrollToBottom();
          markRead();
          break;
        case "message.deleted":
          if (frame.conversation === conversationId && item(frame.message)) tombstone(item(frame.message));
          break;
        case "conversation.seen":
          if (frame.conversation === conversationId) {
            seenUpTo = Math.max(seenUpTo, frame.up_to);
            refreshSeen();
          }
          break;
        case "conversation.read":
          if (frame.conversation === conversationId) {
            readSent = Math.max(readSent, frame.up_to);
            root.querySelector("[data-mark-read-form]")?.remove();
          }
          break;
        case "error":
          if (frame.ref === "send" && frame.code === "unavailable" && frame.retry_after) {
            // A service was briefly down: the same client id goes again after the pause.
            clearTimeout(retryTimer);
            retryTimer = setTimeout(sendPending, frame.retry_after * 1000);
            showError(gettext("Connection trouble: your message will be sent again shortly."));
            break;
          }
          if (frame.ref === "send" || frame.ref === "delete") {
            const wait = frame.retry_after
              ? ` ${interpolate(gettext("Try again in %s s."), [frame.retry_after])}`
              : "";
            showError(frame.detail + wait);
          }
          break;
        default:
          break;
      }
    },
  };
}
