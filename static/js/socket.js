// A WebSocket to this site that reconnects with exponential backoff.
// Close codes 4400-4499 mean the server refused us for good (docs/protocol.md):
// the socket then stops retrying and reports the code.
// `onResume` is called on every open and whenever the server says `events.missed`: the page
// asks for what it may have missed (its endpoint's `resume` frame) and de-duplicates by id.

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30000;

export const State = Object.freeze({
  CONNECTING: "connecting",
  OPEN: "open",
  WAITING: "waiting",
  REFUSED: "refused",
  CLOSED: "closed",
});

export function isRefusal(code) {
  return code >= 4400 && code < 4500;
}

export class ReconnectingSocket {
  constructor(path, { onMessage, onOpen, onState, onResume } = {}) {
    this.url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${path}`;
    this.onMessage = onMessage || (() => {});
    this.onOpen = onOpen || (() => {});
    this.onState = onState || (() => {});
    this.onResume = onResume || (() => {});
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
    this.state = null;
    this.ws = null;
    this.reconnectNow = () => {
      if (this.state === State.WAITING) {
        clearTimeout(this.timer);
        this.connect();
      }
    };
    window.addEventListener("online", this.reconnectNow);
    this.connect();
  }

  setState(state, detail) {
    this.state = state;
    this.onState(state, detail);
  }

  connect() {
    this.setState(State.CONNECTING);
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.attempt = 0;
      this.setState(State.OPEN);
      this.onOpen(this);
      this.onResume(this);
    });
    ws.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame.type === "events.missed") {
        this.onResume(this);
        return;
      }
      this.onMessage(frame, this);
    });
    ws.addEventListener("close", (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) {
        this.setState(State.CLOSED, event.code);
      } else if (isRefusal(event.code)) {
        this.stopped = true;
        window.removeEventListener("online", this.reconnectNow);
        this.setState(State.REFUSED, event.code);
      } else {
        this.scheduleReconnect();
      }
    });
  }

  scheduleReconnect() {
    const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempt);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt += 1;
    this.setState(State.WAITING, delay);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  // Send a frame; return false when the socket is not open (the caller decides what to keep).
  send(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  close() {
    this.stopped = true;
    clearTimeout(this.timer);
    window.removeEventListener("online", this.reconnectNow);
    if (this.ws) this.ws.close(1000);
  }
}
