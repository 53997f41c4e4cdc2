// The wallet's share links (no inline script: CSP). Progressive enhancement: without this script the new link's
// address is still shown, selectable, and the page lands on it (the form's action ends in #new-link).
// - "Copy the link" buttons (hidden until this script runs) copy their field's address and say so in a live region;
//   where the clipboard is refused, the address is selected for the person to copy.
// - A link just created takes the focus (its address selected), so that it is read and seen at once.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const field = document.getElementById(button.dataset.copy);
    if (!field) continue;
    const status = button.parentElement.querySelector(".copy-status");
    const say = (text) => {
      if (status) status.textContent = text;
    };
    button.hidden = false;
    button.addEventListener("click", async () => {
      field.focus();
      field.select();
      try {
        await navigator.clipboard.writeText(field.value);
        say(button.dataset.copied || "");
      } catch (error) {
        let copied = false;
        try {
          copied = document.execCommand("copy");
        } catch (ignored) {
          copied = false;
        }
        say(copied ? button.dataset.copied || "" : button.dataset.copyFailed || "");
      }
    });
  }
  // The page lands on the new link: its address takes the focus, selected, now and whenever the link itself is
  // focused (by the "Go to its address" link at the top of the page, #new-link).
  const created = document.querySelector("[data-new-link]");
  const address = created && created.querySelector("input[readonly]");
  if (created && address) {
    const focusAddress = () => {
      address.focus({ preventScroll: true });
      address.select();
    };
    created.addEventListener("focus", focusAddress);
    created.scrollIntoView({ block: "start" });
    focusAddress();
  }
});
