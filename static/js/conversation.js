// The conversation page: live messages, "seen", delete, older messages on scroll.
// Without JavaScript the page works through its forms; this module takes them over.
// Nothing typed is lost: the draft is kept, and a message sent while the socket is down
// waits on screen and goes out (with its client_id) when the socket is back.
import { newClientId } from "./client_id.js";
import { findPending, onPendingAction, pendingItem, showPendingStatus } from "./pending.js";
import { State } from "./socket.js";
import { showRefusal, showState } from "./connection.js";
import { timeElement } from "./when.js";

const FOCUS_REFRESH_MS = 20000;
const NEAR_TOP_PX = 40;

// Why a refused message was not stored, and whether sending it again can help.
const REFUSED_MESSAGE = {
  rate_limited: { text: gettext("Not sent: too many messages at once."), retry: true },
  invalid: { text: gettext("Not sent: a message has 1 to 4000 characters."), retry: false },
  unavailable: { text: gettext("Not sent: this person cannot receive messages."), retry: false },
};

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
  const pendingList = root.querySelector("[data-pending]");
  const stateBadge = root.querySelector("[data-dm-state]");
  const refusalBox = root.querySelector("[data-refusal-box]");
  const draftKey = `cohort.dm.draft.${conversationId}`;
  // client_id -> body of messages the server has not stored yet; sent again under the same
  // client_id until it has.
  const outbox = new Map();
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
    bubble.className = `max-w-md rounded-lg px-3 py-2 shadow-sm ${mine ? "bg-indigo-700 text-white" : "bg-white"}`;
    const body = document.createElement("p");
    body.className = "whitespace-pre-wrap break-words";
    body.dataset.body = "";
    body.textContent = message.body;
    const meta = document.createElement("div");
    meta.className = `mt-1 flex flex-wrap items-center gap-2 text-xs ${mine ? "text-indigo-100" : "text-slate-600"}`;
    meta.append(timeElement(message.created_at));
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

  // Show a message the server has not stored yet, after the stored ones.
  function showPending(clientId, body, refusal = null) {
    const li = pendingItem(pendingList, clientId);
    li.className = "flex justify-end";
    const bubble = document.createElement("div");
    bubble.className = "max-w-md rounded-lg border-2 border-dashed border-indigo-300 bg-white px-3 py-2";
    const text = document.createElement("p");
    text.className = "whitespace-pre-wrap break-words";
    text.dataset.body = "";
    text.textContent = body;
    const meta = document.createElement("div");
    meta.className = "mt-1 flex flex-wrap items-center gap-2 text-xs";
    const status = document.createElement("span");
    meta.append(status);
    showPendingStatus(li, status, meta, refusal, {
      refusedClass: "font-semibold text-red-700",
      waitingClass: "italic text-slate-700",
      open: socket.state === State.OPEN,
      buttonClass: "underline",
    });
    bubble.append(text, meta);
    li.replaceChildren(bubble);
  }

  function sendPending(clientId) {
    const body = outbox.get(clientId);
    socket.send({ type: "send", to: otherId, body, client_id: clientId, ref: `send:${clientId}` });
    showPending(clientId, body);
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
    event.preventDefault();
    const clientId = newClientId();
    outbox.set(clientId, body);
    sendPending(clientId);
    input.value = "";
    localStorage.removeItem(draftKey);
    showError("");
    scrollToBottom();
  });
  input?.addEventListener("input", () => {
    if (input.value) localStorage.setItem(draftKey, input.value);
    else localStorage.removeItem(draftKey);
  });
  onPendingAction(pendingList, {
    retry(clientId, body) {
      outbox.set(clientId, body);
      sendPending(clientId);
    },
    restore(body) {
      input.value = body;
      localStorage.setItem(draftKey, body);
      input.focus();
    },
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
  if (input && !input.value) input.value = localStorage.getItem(draftKey) || "";
  refreshSeen();
  scrollToBottom();
  // Every message up to this id is shown: the page rendered them, or a resume answered them.
  // Live frames do not move it, since one missed while the connection was down leaves a gap.
  let syncedUpTo = lastId();
  document.body.dataset.conversationReady = "1";

  return {
    onOpen() {
      focus();
      // Sends the server never answered (the connection dropped) go again, same client ids.
      for (const clientId of outbox.keys()) sendPending(clientId);
    },
    onResume() {
      socket.send({ type: "resume", after: syncedUpTo, conversation: conversationId });
    },
    onState(state, code) {
      root.dataset.socket = state;
      showState(stateBadge, state);
      for (const [clientId, body] of outbox) showPending(clientId, body);
      if (state === State.REFUSED) {
        showRefusal(refusalBox, code, form ? form.querySelectorAll("textarea, button") : []);
        for (const [clientId, body] of outbox) {
          showPending(clientId, body, { code: "refused", text: gettext("Not sent."), retry: false });
        }
        outbox.clear();
      }
    },
    onFrame(frame) {
      switch (frame.type) {
        case "message.new":
        case "message.sent":
          if (outbox.has(frame.message.client_id)) {
            outbox.delete(frame.message.client_id);
            findPending(pendingList, frame.message.client_id)?.remove();
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
        case "error": {
          const clientId = frame.ref?.startsWith("send:") ? frame.ref.slice(5) : null;
          if (clientId && frame.code === "unavailable" && frame.retry_after) {
            // A service was briefly down: the outbox goes again after the pause, same client ids.
            clearTimeout(retryTimer);
            retryTimer = setTimeout(() => {
              for (const id of outbox.keys()) sendPending(id);
            }, frame.retry_after * 1000);
            showError(gettext("Connection trouble: your message will be sent again shortly."));
            break;
          }
          if (clientId && outbox.has(clientId)) {
            const body = outbox.get(clientId);
            outbox.delete(clientId);
            const known = REFUSED_MESSAGE[frame.code] || { text: frame.detail, retry: false };
            const wait = frame.retry_after
              ? ` ${interpolate(gettext("Try again in %s s."), [Math.ceil(frame.retry_after)])}`
              : "";
            showPending(clientId, body, { code: frame.code, text: known.text + wait, retry: known.retry });
          } else if (frame.ref === "delete") {
            showError(frame.detail);
          }
          break;
        }
        default:
          break;
      }
    },
  };
}
