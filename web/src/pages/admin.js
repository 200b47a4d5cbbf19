// Admin screens (placeholders; filled by the admin work). This module is loaded lazily from
// main.js (see lazyPage), so it and the chart library stay out of the first page's script.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html, Link, Empty, Alert } from '../ui.js';
import { api } from '../api.js';
import { lineChart } from '../chart.js';

export function Admin() {
  const el = useRef(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    api('GET', '/admin/metrics/series').then((r) => {
      const pts = (r && (r.items || r.points)) || [];
      if (!pts.length || !el.current) return;
      const xs = pts.map((p) => Math.floor(new Date(p.at || p.t).getTime() / 1000));
      const keys = Object.keys(pts[0]).filter((k) => typeof pts[0][k] === 'number');
      return lineChart(el.current, { title: 'Activity', series: keys.map((k) => ({ label: k })) },
        [xs, ...keys.map((k) => pts.map((p) => p[k]))]);
    }).catch((e) => setErr(e.message || String(e)));
  }, []);
  return html`<h1>Admin</h1>${err ? html`<${Alert} kind="info">Metrics are not available yet: ${err}<//>` : null}
    <div ref=${el} class="chart" role="img" aria-label="Activity chart"></div>
    <${Empty} title="More admin screens are coming."><p><${Link} href="/admin/disputes">Disputes<//></p><//>`;
}
export const Disputes = () => html`<h1>Disputes</h1><${Empty} title="This screen is coming soon."><p><${Link} href="/admin">Back to admin<//></p><//>`;
export const Dispute = () => html`<h1>Dispute</h1><${Empty} title="This screen is coming soon."><p><${Link} href="/admin/disputes">Back to disputes<//></p><//>`;
