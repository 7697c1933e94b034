// Never lose an editor's typing. Loaded on every editorial change form.
//  - Leaving a changed form unsaved asks first (the browser's own prompt).
//  - After a refused save (someone else saved meanwhile), a field both editors
//    changed shows the current text with "Use yours again": one click puts the
//    editor's own words back.
"use strict";
(function () {
  const form = document.querySelector("#content-main form[method=post]");
  if (!form) return;
  let changed = false;
  form.addEventListener("input", () => { changed = true; });
  form.addEventListener("change", () => { changed = true; });
  form.addEventListener("submit", () => { changed = false; });
  window.addEventListener("beforeunload", (event) => {
    if (!changed) return;
    event.preventDefault();
    event.returnValue = "";  // older browsers need a value to ask
  });
  form.addEventListener("click", (event) => {
    const button = event.target.closest("button.use-mine");
    if (!button) return;
    const field = form.elements.namedItem(button.dataset.field);
    if (!field || !("value" in field)) return;
    field.value = button.dataset.value;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    button.textContent = "Yours is back in the field";
    button.disabled = true;
    field.focus();
  });
})();
