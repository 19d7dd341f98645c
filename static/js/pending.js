// Messages sent but not stored yet, shown after the stored ones (chat.js, conversation.js).
// One says it is being sent, or waits for the connection, until the server acknowledges it;
// once refused it says why and offers Retry (or Edit, when sending it again cannot help) and
// Discard. Each page draws the message itself; the status and the actions are the same.

// A button that the page's click handler tells apart by its `data-action`.
export function actionButton(label, action, className) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = className;
  button.dataset.action = action;
  button.textContent = label;
  return button;
}

// Return the list item of the pending message, or null.
export function findPending(list, clientId) {
  return list.querySelector(`[data-client-id="${clientId}"]`);
}

// Return the list item of the pending message, added at the end of the list the first time.
export function pendingItem(list, clientId) {
  let item = findPending(list, clientId);
  if (!item) {
    item = document.createElement("li");
    item.dataset.clientId = clientId;
    list.append(item);
  }
  return item;
}

// Say in `status` where the message of `item` stands, and append to `actions` what can be done.
// `refusal` ({code, text, retry}) is the server's refusal, or null while the message waits.
// `page` has the page's classes (`refusedClass`, `waitingClass`, `buttonClass`) and whether its
// socket is `open`.
export function showPendingStatus(item, status, actions, refusal, page) {
  status.dataset.pendingStatus = "";
  if (refusal) {
    item.dataset.refused = refusal.code;
    status.className = page.refusedClass;
    status.textContent = refusal.text;
    if (refusal.retry) actions.append(actionButton(gettext("Retry"), "retry", page.buttonClass));
    else actions.append(actionButton(gettext("Edit"), "restore", page.buttonClass));
    actions.append(actionButton(gettext("Discard"), "discard", page.buttonClass));
  } else {
    delete item.dataset.refused;
    status.className = page.waitingClass;
    status.textContent = page.open ? gettext("Sending…") : gettext("Waiting for the connection…");
  }
}

// Answer the buttons of the pending messages in `list`: Retry calls `retry(clientId, body)`;
// Edit calls `restore(body)` (back into the composer) and, like Discard, takes the message away.
export function onPendingAction(list, { retry, restore }) {
  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    if (!button) return;
    const item = button.closest("[data-client-id]");
    const body = item.querySelector("[data-body]").textContent;
    if (button.dataset.action === "retry") {
      retry(item.dataset.clientId, body);
      return;
    }
    if (button.dataset.action === "restore") restore(body);
    item.remove();
  });
}
