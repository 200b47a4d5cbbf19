// Charts for the admin screens only. uPlot is loaded on first use, as its own chunk
// (esbuild splitting + dynamic import), so it never weighs on the first page.
// Use: `await lineChart(el, { title, series: [{ label: 'tasks' }] }, [xs, ys])` — xs in seconds.
let uplot;
export async function lineChart(el, { title, series, width, height = 220 }, data) {
  if (!uplot) uplot = (await import('uplot')).default;
  el.replaceChildren();
  return new uplot({
    title, width: width || el.clientWidth || 320, height,
    series: [{}, ...series.map((s) => ({ stroke: 'var(--c-primary, #2b59c3)', width: 2, ...s }))],
  }, data, el);
}
