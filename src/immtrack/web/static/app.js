// Render each figure's Vega-Lite spec into the chart element before it. The spec is JSON data
// in the page (<script type="application/json">, never run), so no extra request; tables stay
// readable without JavaScript. The pages' Content-Security-Policy allows no eval and no inline
// style, so Vega interprets expressions from their syntax tree (`ast`, vega-embed's bundled
// interpreter) instead of compiling them with Function(), and neither vega-embed nor its
// tooltip adds a <style> element (their styles are in vega-embed.css).
document.querySelectorAll("script.vl-spec").forEach((script) => {
  const target = script.previousElementSibling;
  vegaEmbed(target, JSON.parse(script.textContent), {
    ast: true, defaultStyle: false, forceActionsMenu: true,
    tooltip: { disableDefaultStyle: true }, renderer: "svg",
    actions: { export: true, source: false, compiled: false, editor: false } })
    .then(() => target.setAttribute("data-rendered", "true"))
    .catch((error) => { target.textContent = "Chart unavailable: " + error; });
});
