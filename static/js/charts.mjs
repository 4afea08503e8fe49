// Draws every chart on the page with plotly.js (loaded before this module from our own static
// files). Each chart element names, in data-figure, the json_script element holding its figure;
// the figure comes from priorities/charts.py, the single source of every chart.
const configElement = document.getElementById("chart-config");
const config = {
  responsive: true,
  displaylogo: false,
  ...(configElement ? JSON.parse(configElement.textContent) : {}),
};

for (const element of document.querySelectorAll("[data-figure]")) {
  const source = document.getElementById(element.dataset.figure);
  if (!source || !window.Plotly) continue;
  const figure = JSON.parse(source.textContent);
  window.Plotly.newPlot(element, figure.data || [], figure.layout || {}, config);
}
