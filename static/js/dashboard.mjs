// The portfolio dashboard. Without JavaScript every row shows, sub-targets indented under their
// parent, and the filters, tiles and column headings load a page. With it, this adds:
// - a button (aria-expanded) on each priority with sub-targets, which folds them away;
// - after htmx swaps the results in, focus back on the control that asked for them (the same
//   sort heading, tile or the Apply button), and the new count announced in a live region.
const RESULTS = "dashboard-results";
const announce = document.getElementById("dashboard-announce");

function rowsOf(button) {
  return button
    .getAttribute("aria-controls")
    .split(" ")
    .map((id) => document.getElementById(id))
    .filter(Boolean);
}

function setExpanded(button, expanded) {
  const count = rowsOf(button).length;
  button.setAttribute("aria-expanded", String(expanded));
  button.querySelector("[data-fold-text]").textContent =
    `${expanded ? "Hide" : "Show"} ${count} sub-target${count === 1 ? "" : "s"}`;
  for (const row of rowsOf(button)) {
    row.hidden = !expanded;
    // Folding a priority folds its sub-targets' own sub-targets too.
    const inner = row.querySelector("button[data-fold]");
    if (!expanded && inner) setExpanded(inner, false);
  }
}

function addFolds(root) {
  for (const row of root.querySelectorAll("tr[data-children]")) {
    if (row.querySelector("button[data-fold]")) continue;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "govuk-button govuk-button--secondary du-fold";
    button.dataset.fold = "";
    button.setAttribute("aria-controls", row.dataset.children);
    const text = document.createElement("span");
    text.dataset.foldText = "";
    const code = document.createElement("span");
    code.className = "govuk-visually-hidden";
    code.textContent = ` of ${row.dataset.code}`;
    button.append(text, code);
    const note = row.querySelector(".du-fold-note");
    if (note) note.replaceWith(button);
    else row.querySelector("th").append(button);
    setExpanded(button, false);
  }
}

// One listener for every fold button, so buttons restored from htmx's history still work.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-fold]");
  if (button) setExpanded(button, button.getAttribute("aria-expanded") !== "true");
});

let focusId = null;
document.body.addEventListener("htmx:beforeRequest", () => {
  focusId = document.activeElement?.id || null;
});

document.body.addEventListener("htmx:afterSettle", () => {
  const results = document.getElementById(RESULTS);
  if (!results) return;
  addFolds(results);
  const focus = focusId && document.getElementById(focusId);
  if (focus) focus.focus();
  if (announce) {
    const summary = results.querySelector("caption, [data-testid='no-rows']");
    announce.textContent = summary ? summary.textContent.trim() : "";
  }
});

const results = document.getElementById(RESULTS);
if (results) addFolds(results);
