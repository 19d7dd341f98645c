// Preselect the new account's time zone from the browser's.
const field = document.querySelector('input[name="timezone"]');
if (field && !field.value) {
  field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
}
