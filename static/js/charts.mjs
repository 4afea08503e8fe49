// Draws every chart on the page with plotly.js (loaded before this module from our own static
// files). Each chart element names, in data-figure, the json_script element holding its figure;
// the figure comes from priorities/charts.py, the single source of every chart. Charts in a part
// of the page that htmx swaps in are drawn when it settles.
//
// A chart is sent with its current trajectory only. A button with data-earlier-trajectories
// (hidden until this module runs) fetches the earlier versions' traces, built by the same
// module on the server, and adds them to the chart named in its data-chart.
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

for (const button of document.querySelectorAll("[data-earlier-trajectories]")) {
  const chart = document.getElementById(button.dataset.chart);
  if (!chart || !window.Plotly) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    button.disabled = true;
    button.setAttribute("aria-disabled", "true");
    try {
      const response = await fetch(button.dataset.earlierTrajectories, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const { data } = await response.json();
      await window.Plotly.addTraces(chart, data);
      button.textContent = "Earlier trajectory versions added to the chart";
    } catch (error) {
      button.disabled = false;
      button.removeAttribute("aria-disabled");
      button.textContent = "The earlier versions could not be loaded: try again";
    }
  });
}
