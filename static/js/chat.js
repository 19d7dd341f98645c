// A chat room page: live messages over /ws/chat/<room_id>/ (frames in docs/protocol.md).
// Messages are kept by sequence number, so every one is shown once, in order, whatever
// mix of state, live, backlog and history frames brought it.
import { newClientId } from "./client_id.js";
import { ReconnectingSocket, State } from "./socket.js";
import { showRefusal, showState } from "./connection.js";
import { actionButton, findPending, onPendingAction, pendingItem, showPendingStatus } from "./pending.js";
import { timeElement } from "./when.js";

const root = document.querySelector("[data-chat-room]");
const roomId = root.dataset.roomId;
const myId = Number(document.body.dataset.userId);
const myUsername = root.dataset.username;
const isStudyOwner = root.dataset.studyOwner === "true";
const scroller = root.querySelector("[data-scroller]");
const list = root.querySelector("[data-messages]");
const historyState = root.querySelector("[data-history-state]");
const newMarker = root.querySelector("[data-new-marker]");
const typingLine = root.querySelector("[data-typing]");
const errorLine = root.querySelector("[data-chat-error]");
const onlineList = root.querySelector("[data-online]");
const composer = root.querySelector("[data-composer]");
const textarea = composer.querySelector("textarea");
const stateBadge = document.querySelector("[data-chat-state]");
const pendingList = root.querySelector("[data-pending]");
const emptyLine = root.querySelector("[data-empty]");
const refusalBox = document.querySelector("[data-refusal-box]");
const liveLine = root.querySelector("[data-live-announce]");
const draftKey = `cohort.chat.draft.${roomId}`;
const outboxKey = `cohort.chat.outbox.${roomId}`;

const TYPING_EVERY_MS = 3000;
const NEAR_BOTTOM_PX = 80;
const NEAR_TOP_PX = 60;
const MENTION = /@[\w.@+-]+/g;
const ACTION_CLASS = "text-xs text-slate-700 underline-offset-2 hover:underline";

const rendered = new Map(); // seq -> <li>
// client_id -> body, until acknowledged; kept for the tab's session so a reload loses nothing.
const outbox = new Map(JSON.parse(sessionStorage.getItem(outboxKey) || "[]"));
let topSeq = 0; // every message up to here is shown (except older history)
let oldestSeq = null;
let historyComplete = false;
let loadingOlder = false;
let resuming = false;
let retryTimer = null;
let stateSeen = false;
let unseen = 0;
let lastTypingSent = 0;
const typists = new Map(); // user id -> {name, timer}

// Why a refused message was not stored, and whether sending it again can help.
const REFUSED_MESSAGE = {
  rate_limited: { text: gettext("Not sent: too many messages at once."), retry: true },
  bad_body: { text: gettext("Not sent: a message has 1 to 4000 characters."), retry: false },
  room_closed: { text: gettext("Not sent: this room was closed."), retry: false },
  forbidden: { text: gettext("Not sent: you may no longer post here."), retry: false },
};

function saveOutbox() {
  sessionStorage.setItem(outboxKey, JSON.stringify([...outbox]));
}

// Show a message that the server has not stored yet, below the stored ones.
function showPending(clientId, body, refusal = null) {
  const item = pendingItem(pendingList, clientId);
  item.replaceChildren();
  const header = document.createElement("div");
  header.className = "flex flex-wrap items-baseline gap-2 text-sm";
  const author = document.createElement("span");
  author.className = "font-semibold";
  author.textContent = root.dataset.myName;
  const status = document.createElement("span");
  header.append(author, status);
  const text = document.createElement("div");
  text.className = "whitespace-pre-wrap break-words text-slate-600";
  text.dataset.body = "";
  text.textContent = body;
  item.append(header, text);
  showPendingStatus(item, status, header, refusal, {
    refusedClass: "text-xs font-semibold text-red-700",
    waitingClass: "text-xs italic text-slate-600",
    open: socket?.state === State.OPEN,
    buttonClass: ACTION_CLASS,
  });
  emptyLine?.classList.add("hidden");
}

function refreshPending() {
  for (const item of pendingList.querySelectorAll("li:not([data-refused])")) {
    showPending(item.dataset.clientId, outbox.get(item.dataset.clientId) || "");
  }
}

function sendMessage(clientId, body) {
  outbox.set(clientId, body);
  saveOutbox();
  showPending(clientId, body);
  socket.send({ type: "send", body, client_id: clientId, ref: clientId });
}

function announce(text) {
  if (liveLine) liveLine.textContent = text;
}

function showError(text) {
  errorLine.textContent = text;
  errorLine.classList.toggle("hidden", !text);
}

function nearBottom() {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
}

function scrollToBottom() {
  scroller.scrollTop = scroller.scrollHeight;
  unseen = 0;
  newMarker.classList.add("hidden");
}

function showUnseen() {
  newMarker.textContent = interpolate(
    ngettext("%s new message", "%s new messages", unseen),
    [unseen],
  );
  newMarker.classList.toggle("hidden", unseen === 0);
}

// Append the body as text, with @mentions in their own (highlighted) spans.
function fillBody(element, body) {
  element.replaceChildren();
  let last = 0;
  for (const match of body.matchAll(MENTION)) {
    element.append(document.createTextNode(body.slice(last, match.index)));
    const mention = document.createElement("span");
    const isMe = match[0].slice(1).replace(/[.-]+$/, "") === myUsername;
    mention.className = isMe
      ? "rounded bg-amber-100 px-0.5 font-semibold text-amber-900"
      : "font-semibold text-indigo-700";
    mention.dataset.mention = "";
    mention.textContent = match[0];
    element.append(mention);
    last = match.index + match[0].length;
  }
  element.append(document.createTextNode(body.slice(last)));
}

function fillMessage(item, message) {
  item.replaceChildren();
  const header = document.createElement("div");
  header.className = "flex flex-wrap items-baseline gap-2 text-sm";
  const author = document.createElement("span");
  author.className = "font-semibold";
  author.textContent = message.author ? message.author.name : gettext("Former member");
  const time = timeElement(message.created_at);
  time.className = "text-xs text-slate-600";
  header.append(author, time);
  const body = document.createElement("div");
  body.dataset.body = "";
  if (message.deleted) {
    body.className = "italic text-slate-600";
    body.textContent = gettext("Message deleted");
  } else {
    body.className = "whitespace-pre-wrap break-words";
    fillBody(body, message.body);
    if (message.edited_at) {
      const edited = document.createElement("span");
      edited.className = "ml-1 text-xs text-slate-600";
      edited.textContent = gettext("(edited)");
      header.append(edited);
    }
    const mine = message.author && message.author.id === myId;
    if (mine) header.append(actionButton(gettext("Edit"), "edit", ACTION_CLASS));
    if (mine || isStudyOwner) header.append(actionButton(gettext("Delete"), "delete", ACTION_CLASS));
  }
  item.append(header, body);
}

// Show a message in its place by seq; return true when it was not shown before.
function place(message) {
  const existing = rendered.get(message.seq);
  if (existing) {
    fillMessage(existing, message);
    return false;
  }
  const item = document.createElement("li");
  item.dataset.seq = String(message.seq);
  item.dataset.messageId = String(message.id);
  fillMessage(item, message);
  let after = list.lastElementChild;
  while (after && Number(after.dataset.seq) > message.seq) after = after.previousElementSibling;
  if (after) after.after(item);
  else list.prepend(item);
  rendered.set(message.seq, item);
  if (oldestSeq === null || message.seq < oldestSeq) oldestSeq = message.seq;
  emptyLine?.classList.add("hidden");
  return true;
}

function advanceTop() {
  while (rendered.has(topSeq + 1)) topSeq += 1;
}

function resume() {
  if (resuming) return;
  resuming = true;
  socket.send({ type: "resume", after: topSeq });
}

function showLive(messages, { announceNew = false } = {}) {
  const stick = nearBottom();
  let added = 0;
  for (const message of messages) {
    if (!place(message)) continue;
    added += 1;
    // Their message has arrived: they are no longer typing it.
    if (message.author) stopTyping(message.author.id);
    if (announceNew && message.author && message.author.id !== myId && !message.deleted) {
      announce(interpolate(gettext("%s: %s"), [message.author.name, message.body]));
    }
  }
  advanceTop();
  if (stick) scrollToBottom();
  else if (added) {
    unseen += added;
    showUnseen();
  }
}

function renderOnline(users) {
  onlineList.replaceChildren(
    ...users.map((user) => {
      const item = document.createElement("li");
      item.dataset.userId = String(user.id);
      item.textContent = user.name;
      return item;
    }),
  );
}

function renderTyping() {
  const names = Array.from(typists.values(), (typist) => typist.name);
  typingLine.textContent = names.length
    ? interpolate(
        ngettext("%s is typing…", "%s are typing…", names.length),
        [names.join(", ")],
      )
    : "";
}

function stopTyping(userId) {
  const typist = typists.get(userId);
  if (!typist) return;
  clearTimeout(typist.timer);
  typists.delete(userId);
  renderTyping();
}

function clearTyping() {
  for (const userId of [...typists.keys()]) stopTyping(userId);
}

function someoneTyping(user, seconds) {
  const typist = typists.get(user.id);
  if (typist) clearTimeout(typist.timer);
  const timer = setTimeout(() => {
    typists.delete(user.id);
    renderTyping();
  }, seconds * 1000);
  typists.set(user.id, { name: user.name, timer });
  renderTyping();
}

function flushOutbox() {
  for (const [clientId, body] of outbox) {
    socket.send({ type: "send", body, client_id: clientId, ref: clientId });
  }
  refreshPending();
}

function onState(frame) {
  if (stateSeen) {
    // onResume asked for exactly what was missed; the latest messages fill in around it.
    for (const message of frame.messages) place(message);
  } else {
    for (const message of frame.messages) place(message);
    topSeq = frame.messages.length ? frame.messages[frame.messages.length - 1].seq : 0;
    historyComplete = !frame.messages.length || frame.messages[0].seq === 1;
    scrollToBottom();
    stateSeen = true;
  }
  emptyLine?.classList.toggle("hidden", rendered.size > 0 || outbox.size > 0);
  renderOnline(frame.online);
  flushOutbox();
}

function onMessage(frame) {
  switch (frame.type) {
    case "chat.state":
      onState(frame);
      break;
    case "chat.message":
      if (frame.message.seq > topSeq + 1) resume();
      showLive([frame.message], { announceNew: true });
      break;
    case "chat.ack":
      outbox.delete(frame.client_id);
      saveOutbox();
      findPending(pendingList, frame.client_id)?.remove();
      showLive([frame.message]);
      break;
    case "chat.backlog":
      showLive(frame.messages);
      if (frame.complete) resuming = false;
      break;
    case "chat.history":
      showOlder(frame);
      break;
    case "chat.edited":
      if (rendered.has(frame.message.seq)) place(frame.message);
      break;
    case "chat.deleted": {
      const item = rendered.get(frame.seq);
      if (item) {
        const body = item.querySelector("[data-body]");
        body.className = "italic text-slate-600";
        body.textContent = gettext("Message deleted");
        item.querySelectorAll("[data-action]").forEach((button) => button.remove());
      }
      break;
    }
    case "chat.presence":
      renderOnline(frame.online);
      break;
    case "chat.typing":
      someoneTyping(frame.user, frame.expires_in);
      break;
    case "room.closed":
      showRefusal(refusalBox, 4410, composer.querySelectorAll("textarea, button"));
      break;
    case "error":
      if (frame.code === "unavailable" && frame.retry_after) {
        // The server could not serve it for the moment: the outbox goes again, once however
        // many sends were refused, under the same client ids.
        if (!retryTimer) {
          retryTimer = setTimeout(() => {
            retryTimer = null;
            flushOutbox();
          }, frame.retry_after * 1000);
        }
        showError(gettext("Connection trouble: your message will be sent again shortly."));
        break;
      }
      if (frame.ref && outbox.has(frame.ref)) refuseMessage(frame);
      else showError(frame.detail);
      break;
    default:
      break;
  }
}

// The server did not store a message: keep it on screen with the reason.
function refuseMessage(frame) {
  const body = outbox.get(frame.ref);
  outbox.delete(frame.ref);
  saveOutbox();
  const known = REFUSED_MESSAGE[frame.code] || { text: frame.detail, retry: false };
  let text = known.text;
  if (frame.code === "rate_limited" && frame.retry_after) {
    text = `${text} ${interpolate(gettext("Try again in %s s."), [Math.ceil(frame.retry_after)])}`;
  }
  showPending(frame.ref, body, { code: frame.code, text, retry: known.retry });
  announce(text);
}

function showOlder(frame) {
  loadingOlder = false;
  historyComplete = frame.complete;
  historyState.classList.toggle("hidden", !historyComplete);
  historyState.textContent = historyComplete ? gettext("This is the beginning of the room.") : "";
  const fromBottom = scroller.scrollHeight - scroller.scrollTop;
  for (const message of frame.messages) place(message);
  scroller.scrollTop = scroller.scrollHeight - fromBottom;
}

function loadOlder() {
  if (loadingOlder || historyComplete || oldestSeq === null || oldestSeq <= 1) return;
  if (socket.send({ type: "history", before: oldestSeq, limit: 50 })) loadingOlder = true;
}

let socket = null;
socket = new ReconnectingSocket(`/ws/chat/${roomId}/`, {
  onMessage,
  onResume() {
    // The first chat.state holds the latest messages; later opens and `events.missed` resume.
    if (!stateSeen) return;
    resuming = false;
    resume();
  },
  onState(state, code) {
    root.dataset.socket = state;
    showState(stateBadge, state);
    if (state !== State.OPEN) {
      // Who is here is unknown until the next chat.state, and so is who is typing.
      renderOnline([]);
      clearTyping();
    }
    if (state === State.REFUSED) {
      showRefusal(refusalBox, code, composer.querySelectorAll("textarea, button"));
      for (const [clientId, body] of outbox) {
        showPending(clientId, body, { code: "refused", text: gettext("Not sent."), retry: false });
      }
      outbox.clear();
      saveOutbox();
    } else if (socket) {
      refreshPending();
    }
    loadingOlder = false;
  },
});

scroller.addEventListener("scroll", () => {
  if (scroller.scrollTop < NEAR_TOP_PX) loadOlder();
  if (nearBottom() && unseen) scrollToBottom();
});

newMarker.addEventListener("click", scrollToBottom);

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const body = textarea.value.trim();
  if (!body) return;
  sendMessage(newClientId(), body);
  textarea.value = "";
  localStorage.removeItem(draftKey);
  showError("");
  scrollToBottom();
});

textarea.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    composer.requestSubmit();
  }
});

textarea.addEventListener("input", () => {
  if (textarea.value) localStorage.setItem(draftKey, textarea.value);
  else localStorage.removeItem(draftKey);
  const now = Date.now();
  if (now - lastTypingSent >= TYPING_EVERY_MS && socket.send({ type: "typing" })) {
    lastTypingSent = now;
  }
});

onPendingAction(pendingList, {
  retry: sendMessage,
  restore(body) {
    textarea.value = body;
    localStorage.setItem(draftKey, body);
    textarea.focus();
  },
});

list.addEventListener("click", (event) => {
  const button = event.target.closest("[data-action]");
  if (!button) return;
  const item = button.closest("[data-message-id]");
  const id = Number(item.dataset.messageId);
  if (button.dataset.action === "edit") {
    const current = item.querySelector("[data-body]").textContent;
    const body = window.prompt(gettext("Edit your message"), current);
    if (body !== null && body.trim()) socket.send({ type: "edit", id, body, ref: `edit-${id}` });
  } else if (window.confirm(gettext("Delete this message?"))) {
    socket.send({ type: "delete", id, ref: `delete-${id}` });
  }
});

textarea.value = localStorage.getItem(draftKey) || "";
for (const [clientId, body] of outbox) showPending(clientId, body);
