// Send a form with files through XMLHttpRequest, so that its upload progress fills a bar.
// Without this script the form still posts normally; the server enforces every limit.

function isLocalPath(url) {
  return typeof url === "string" && url.startsWith("/") && !url.startsWith("//");
}

function showErrors(list, errors) {
  list.replaceChildren();
  for (const messages of Object.values(errors)) {
    for (const message of messages) {
      const item = document.createElement("li");
      item.textContent = message;
      list.append(item);
    }
  }
}

function setProgress(form, percent) {
  const bar = form.querySelector("[data-upload-progress]");
  const label = form.querySelector("[data-upload-percent]");
  bar.value = percent;
  bar.setAttribute("value", String(percent));
  label.textContent = `${percent}%`;
  form.dataset.uploadPercent = String(percent);
}

function upload(form) {
  const status = form.querySelector("[data-upload-status]");
  const errors = form.querySelector("[data-upload-errors]");
  const submit = form.querySelector("button[type=submit]");
  const request = new XMLHttpRequest();
  request.open("POST", form.action);
  request.setRequestHeader("Accept", "application/json");
  request.responseType = "json";
  request.upload.addEventListener("progress", (event) => {
    if (event.lengthComputable && event.total > 0) {
      setProgress(form, Math.floor((100 * event.loaded) / event.total));
    }
  });
  request.upload.addEventListener("load", () => setProgress(form, 100));
  request.addEventListener("load", () => {
    const answer = request.response || {};
    if (request.status === 200 && isLocalPath(answer.redirect)) {
      form.dataset.uploadState = "done";
      location.assign(answer.redirect);
      return;
    }
    form.dataset.uploadState = "failed";
    submit.disabled = false;
    status.classList.add("hidden");
    showErrors(errors, answer.errors || { __all__: [gettext("The upload failed. Please try again.")] });
  });
  request.addEventListener("error", () => {
    form.dataset.uploadState = "failed";
    submit.disabled = false;
    status.classList.add("hidden");
    showErrors(errors, { __all__: [gettext("The connection was lost. Please try again.")] });
  });
  errors.replaceChildren();
  setProgress(form, 0);
  status.classList.remove("hidden");
  submit.disabled = true;
  form.dataset.uploadState = "sending";
  request.send(new FormData(form));
}

for (const form of document.querySelectorAll("[data-upload-form]")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    upload(form);
  });
}
