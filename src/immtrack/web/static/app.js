// Render each figure's Vega-Lite spec (embedded in the page, so no extra request) into the
// chart element before it. Tables stay readable without JavaScript.
document.querySelectorAll("script.vl-spec").forEach((script) => {
  const target = script.previousElementSibling;
  vegaEmbed(target, JSON.parse(script.textContent), { actions: { export: true, source: false,
    compiled: false, editor: false }, renderer: "svg" })
    .then(() => target.setAttribute("data-rendered", "true"))
    .catch((error) => { target.textContent = "Chart unavailable: " + error; });
});
