// The API docs (Swagger UI), as Swagger UI draws them: a name for each form control drawn without one (WCAG 1.3.1,
// 4.1.2), the parameter or property it stands for; its code examples, which scroll, reachable by keyboard (2.1.1).
// No inline script: CSP.
(() => {
  const CONTROLS = "#swagger-ui :is(select, input, textarea):not([type=hidden]):not([aria-label]):not([aria-labelledby])";
  const name = (control) => {
    const row = control.closest("tr");
    if (row && row.hasAttribute("data-param-name")) return row.getAttribute("data-param-name");
    const property = row && row.querySelector(".parameter__name");
    if (property) return property.firstChild ? property.firstChild.textContent.trim() : property.textContent.trim();
    if (control.classList.contains("examples-select-element")) return "Examples";
    if (control.closest(".content-type-wrapper, .response-control-media-type")) return "Media type";
    return control.getAttribute("placeholder") || control.getAttribute("name") || control.tagName.toLowerCase();
  };
  const label = () => {
    for (const control of document.querySelectorAll(CONTROLS)) {
      if (!control.labels || control.labels.length === 0) control.setAttribute("aria-label", name(control));
    }
    for (const code of document.querySelectorAll("#swagger-ui .highlight-code > .microlight:not([tabindex])")) {
      code.setAttribute("tabindex", "0");
      code.setAttribute("role", "region");
      code.setAttribute("aria-label", "Example");
    }
  };
  new MutationObserver(label).observe(document.documentElement, { childList: true, subtree: true });
})();
