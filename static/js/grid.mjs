// The actuals grid. Each row is a form that htmx posts on its own; this adds two things htmx
// does not do by itself: ask before a cleared cell deletes a stored value, and swap in rows
// that come back with a validation error (422) or a conflict (409), which htmx otherwise drops.
const grid = document.querySelector("[data-actuals-grid]");

if (grid) {
  grid.addEventListener("htmx:confirm", (event) => {
    const form = event.detail.elt;
    if (!(form instanceof HTMLFormElement)) return;
    const value = form.elements.namedItem("value");
    const version = Number(form.elements.namedItem("version")?.value || 0);
    if (version > 0 && value && value.value.trim() === "") {
      event.preventDefault();
      if (window.confirm(form.dataset.confirmDelete)) event.detail.issueRequest(true);
    }
  });

  grid.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if (status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
}
