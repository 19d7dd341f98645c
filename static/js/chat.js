// A chat room page: live messages over /ws/chat/<room_id>/ (frames in docs/protocol.md).
// Messages are kept by sequence number, so every one is shown once, in order, whatever
// mix of state, live, backlog and history frames brought it.
import { newClientId } from "./client_id.js";
import { ReconnectingSocket, State } from "./socket.js";

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

const TYPING_EVERY_MS = 3000;
const NEAR_BOTTOM_PX = 80;
const NEAR_TOP_PX = 60;
const MENTION = /@[\w.@+-]+/g;

const rendered = new Map(); // seq -> <li>
const outbox = new Map(); // client_id -> body, until acknowledged
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

const STATE_LABELS = {
  [State.CONNECTING]: gettext("Connecting…"),
  [State.OPEN]: gettext("Live"),
  [State.WAITING]: gettext("Reconnecting…"),
  [State.REFUSED]: gettext("Disconnected"),
  [State.CLOSED]: gettext("Disconnected"),
};

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

function actionButton(label, action) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "text-xs text-slate-500 hover:underline";
  button.dataset.action = action;
  button.textContent = label;
  return button;
}

function fillMessage(item, message) {
  item.replaceChildren();
  const header = document.createElement("div");
  header.className = "flex items-baseline gap-2 text-sm";
  const author = document.createElement("span");
  author.className = "font-semibold";
  author.textContent = message.author ? message.author.name : gettext("Former member");
  const time = document.createElement("time");
  time.className = "text-xs text-slate-500";
  time.dateTime = message.created_at;
  time.textContent = new Date(message.created_at).toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    timeZone: document.body.dataset.timeZone || undefined,
  });
  header.append(author, time);
  const body = document.createElement("div");
  body.dataset.body = "";
  if (message.deleted) {
    body.className = "italic text-slate-500";
    body.textContent = gettext("Message deleted");
  } else {
    body.className = "whitespace-pre-wrap break-words";
    fillBody(body, message.body);
    if (message.edited_at) {
      const edited = document.createElement("span");
      edited.className = "ml-1 text-xs text-slate-400";
      edited.textContent = gettext("(edited)");
      header.append(edited);
    }
    const mine = message.author && message.author.id === myId;
    if (mine) header.append(actionButton(gettext("Edit"), "edit"));
    if (mine || isStudyOwner) header.append(actionButton(gettext("Delete"), "delete"));
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

function showLive(messages) {
  const stick = nearBottom();
  let added = 0;
  for (const message of messages) if (place(message)) added += 1;
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
      showLive([frame.message]);
      break;
    case "chat.ack":
      outbox.delete(frame.client_id);
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
        body.className = "italic text-slate-500";
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
      composer.querySelectorAll("textarea, button").forEach((control) => {
        control.disabled = true;
      });
      showError(gettext("This room was closed. Its history stays readable."));
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
      if (frame.ref) outbox.delete(frame.ref);
      showError(
        frame.code === "rate_limited"
          ? interpolate(gettext("Slow down: try again in %s s."), [Math.ceil(frame.retry_after)])
          : frame.detail,
      );
      break;
    default:
      break;
  }
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

const socket = new ReconnectingSocket(`/ws/chat/${roomId}/`, {
  onMessage,
  onResume() {
    // The first chat.state holds the latest messages; later opens and `events.missed` resume.
    if (!stateSeen) return;
    resuming = false;
    resume();
  },
  onState(state, code) {
    root.dataset.socket = state;
    stateBadge.textContent = STATE_LABELS[state] || state;
    stateBadge.classList.toggle("bg-emerald-100", state === State.OPEN);
    stateBadge.classList.toggle("bg-amber-100", state === State.WAITING);
    if (state === State.REFUSED && code === 4410) {
      showError(gettext("This room was closed. Its history stays readable."));
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
  const clientId = newClientId();
  outbox.set(clientId, body);
  socket.send({ type: "send", body, client_id: clientId, ref: clientId });
  textarea.value = "";
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
  const now = Date.now();
  if (now - lastTypingSent >= TYPING_EVERY_MS && socket.send({ type: "typing" })) {
    lastTypingSent = now;
  }
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
