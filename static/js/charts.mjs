// Draws every chart on the page with plotly.js (loaded before this module from our own static
// files). Each chart element names, in data-figure, the json_script element holding its figure;
// the figure comes from priorities/charts.py, the single source of every chart. Charts in a part
// of the page that htmx swaps in are drawn when it settles.
const configElement = document.getElementById("chart-config");
const config = {
  responsive: true,
  displaylogo: false,
  ...(configElement ? JSON.parse(configElement.textContent) : {}),
};

function draw(root) {
  for (const element of root.querySelectorAll("[data-figure]")) {
    const source = document.getElementById(element.dataset.figure);
    if (!source || !window.Plotly || element.dataset.drawn) continue;
    const figure = JSON.parse(source.textContent);
    window.Plotly.newPlot(element, figure.data || [], figure.layout || {}, config);
    element.dataset.drawn = "true";
  }
}

draw(document);
document.addEventListener("htmx:afterSettle", (event) => draw(event.target || document));
