// Keeps parts of a server-rendered page true while it is open: when a notification about this
// page (or, with data-live-any, any notification or unread-message change) arrives, the page is
// fetched again and each [data-live-section] is brought up to date. Lists marked
// [data-live-list] are merged by their children's data-key, so a note being typed in one
// item is not lost; other sections are replaced unless they hold the focus.
const sections = document.querySelectorAll("[data-live-section]");
const anyChange = document.querySelector("[data-live-any]") !== null;
const DEBOUNCE_MS = 300;
let timer = null;

function mergeList(current, fresh) {
  const keys = new Set([...fresh.children].map((child) => child.dataset.key));
  for (const child of [...current.children]) if (!keys.has(child.dataset.key)) child.remove();
  let previous = null;
  for (const child of [...fresh.children]) {
    const existing = [...current.children].find((node) => node.dataset.key === child.dataset.key);
    const node = existing || document.importNode(child, true);
    if (!existing) {
      if (previous) previous.after(node);
      else current.prepend(node);
    }
    previous = node;
  }
}

function update(current, fresh) {
  const lists = current.querySelectorAll("[data-live-list]");
  if (!lists.length) {
    if (!current.contains(document.activeElement)) current.replaceWith(document.importNode(fresh, true));
    return;
  }
  const freshLists = fresh.querySelectorAll("[data-live-list]");
  lists.forEach((list, index) => {
    if (freshLists[index]) mergeList(list, freshLists[index]);
  });
}

async function refresh() {
  const response = await fetch(location.href, { headers: { Accept: "text/html" } });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const current of document.querySelectorAll("[data-live-section]")) {
    const match = fresh.querySelector(`[data-live-section="${current.dataset.liveSection}"]`);
    if (match) update(current, match);
  }
  for (const part of document.querySelectorAll("[data-live-text]")) {
    const match = fresh.querySelector(`[data-live-text="${part.dataset.liveText}"]`);
    if (match) {
      part.textContent = match.textContent;
      part.classList.toggle("hidden", match.classList.contains("hidden"));
    }
  }
  document.body.dataset.liveRefreshed = String(Number(document.body.dataset.liveRefreshed || 0) + 1);
}

function soon() {
  clearTimeout(timer);
  timer = setTimeout(refresh, DEBOUNCE_MS);
}

if (sections.length) {
  window.addEventListener("cohort:notification", (event) => {
    if (anyChange || event.detail.url === location.pathname) soon();
  });
  let unread = null;
  if (anyChange) {
    window.addEventListener("cohort:unread-messages", (event) => {
      if (unread !== null && event.detail !== unread) soon();
      unread = event.detail;
    });
  }
}
