// A form that failed: its error summary takes the focus, so that it is read at once (no inline script: CSP), and
// each of its links moves the focus to its field (a fragment link alone only scrolls).
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const field = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) return;
    event.preventDefault();
    field.focus();
    (field.labels && field.labels[0] ? field.labels[0] : field).scrollIntoView({ block: "center" });
  });
});
