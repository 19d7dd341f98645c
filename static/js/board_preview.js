// Live preview of a markdown draft, rendered and sanitized by the server's own pipeline.

const DELAY_MS = 300;
const source = document.querySelector("[data-preview-source]");
const preview = document.querySelector("[data-preview]");

async function render() {
  const form = source.form;
  const body = new FormData();
  body.append("body", source.value);
  body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
  const response = await fetch(preview.dataset.previewUrl, {
    method: "POST",
    body,
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
  const answer = await response.json();
  if (!response.ok) {
    const message = document.createElement("p");
    message.className = "text-sm text-red-700";
    message.textContent = (answer.errors && answer.errors.body && answer.errors.body[0]) ||
      gettext("The preview is not available.");
    preview.replaceChildren(message);
    return;
  }
  // The one place server HTML enters the page: it is the allowlist-sanitized output of
  // markup.render_markdown, parsed in an inert document before its nodes are moved in.
  const parsed = new DOMParser().parseFromString(answer.html, "text/html");
  preview.replaceChildren(...parsed.body.childNodes);
  preview.dataset.previewState = "ready";
}

if (source && preview) {
  let timer = null;
  const schedule = () => {
    clearTimeout(timer);
    preview.dataset.previewState = "pending";
    timer = setTimeout(() => {
      render().catch(() => {
        preview.dataset.previewState = "failed";
      });
    }, DELAY_MS);
  };
  source.addEventListener("input", schedule);
  if (source.value) schedule();
}
