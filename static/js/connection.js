// What a live page says about its socket: the state badge, and a clear page state for each
// refusal close code (docs/protocol.md), with the composer disabled and a link onward.
import { State } from "./socket.js";

const STATE_LABELS = {
  [State.CONNECTING]: gettext("Connecting…"),
  [State.OPEN]: gettext("Live"),
  [State.WAITING]: gettext("Reconnecting…"),
  [State.REFUSED]: gettext("Disconnected"),
  [State.CLOSED]: gettext("Disconnected"),
};

// Show the socket's state on a badge; its colours come from data-state in the stylesheet.
export function showState(badge, state) {
  if (!badge) return;
  badge.dataset.state = state;
  badge.textContent = STATE_LABELS[state] || state;
}

// The page state for each refusal; `link` names a data-*-url attribute of the refusal box.
const REFUSALS = {
  4401: {
    text: gettext("You were logged out, so this page stopped. Log in again to continue."),
    link: gettext("Log in"),
    url: "loginUrl",
  },
  4403: {
    text: gettext("You are no longer a member of this study, so this page stopped."),
    link: gettext("Go to the study page"),
    url: "studyUrl",
  },
  4404: {
    text: gettext("This study was deleted. Its board, chat rooms and calls are gone."),
    link: gettext("Go to my studies"),
    url: "mineUrl",
  },
  4410: {
    text: gettext("This room was closed. Its history stays readable."),
    link: gettext("Read its history"),
    url: "pageUrl",
  },
  4429: {
    text: gettext("The call is full. Try again when someone leaves."),
    link: gettext("Back to the study"),
    url: "studyUrl",
  },
  4408: {
    text: gettext("You have too many Cohort pages open. Close some, then reload this one."),
    link: gettext("Reload the page"),
    url: "pageUrl",
  },
  4409: {
    text: gettext("You joined this call from another window, so this one left it."),
    link: gettext("Back to the study"),
    url: "studyUrl",
  },
};

const OTHER_REFUSAL = {
  text: gettext("The server closed the connection."),
  link: gettext("Reload the page"),
  url: "pageUrl",
};

// Turn the refusal box into the state for `code`, and disable every control of `disable`.
export function showRefusal(box, code, disable = []) {
  for (const control of disable) control.disabled = true;
  if (!box) return;
  const refusal = REFUSALS[code] || OTHER_REFUSAL;
  const text = document.createElement("p");
  text.textContent = refusal.text;
  const link = document.createElement("a");
  link.className = "font-medium underline";
  link.href = box.dataset[refusal.url] || location.href;
  link.textContent = refusal.link;
  box.replaceChildren(text, link);
  box.dataset.refusal = String(code);
  box.classList.remove("hidden");
}
