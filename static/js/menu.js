// The header's menu button on small screens: shows and hides the site menu.
const button = document.querySelector("[data-menu-button]");
const menu = document.getElementById(button?.getAttribute("aria-controls") || "");

function setOpen(open) {
  button.setAttribute("aria-expanded", String(open));
  menu.classList.toggle("hidden", !open);
  menu.classList.toggle("flex", open);
}

if (button && menu) {
  button.addEventListener("click", () => setOpen(button.getAttribute("aria-expanded") !== "true"));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
}
