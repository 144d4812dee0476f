import type { Marker } from './report-types.js';
import type { Second } from './timeline.js';

/** Escapes text for HTML and SVG. */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const W = 960;
const PANEL = 140;
const GAP = 34;
const LEFT = 56;
const RIGHT = 16;
const TOP = 22;
const PALETTE = ['#d62728', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const MARK: Record<Marker['kind'], { color: string; dash: string }> = {
  fault: { color: '#d62728', dash: '' },
  heal: { color: '#2ca02c', dash: '' },
  healed: { color: '#2ca02c', dash: '4 3' },
  failover: { color: '#ff7f0e', dash: '2 2' },
  'load-stop': { color: '#7f7f7f', dash: '6 3' },
};

interface Series {
  readonly name: string;
  readonly color: string;
  readonly values: readonly number[];
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

/**
 * The run's timeline as one inline SVG: throughput, errors (stacked by status
 * and code) and p99 latency per second, with the fault, heal and failover
 * markers across all panels.
 */
export function timelineSvg(timeline: readonly Second[], markers: readonly Marker[]): string {
  const n = Math.max(1, timeline.length);
  const plotW = W - LEFT - RIGHT;
  const x = (sec: number) => LEFT + (sec / n) * plotW;
  const codes = [...new Set(timeline.flatMap((s) => Object.keys(s.errors)))];
  const totals = new Map(codes.map((c) => [c, timeline.reduce((t, s) => t + (s.errors[c] ?? 0), 0)]));
  codes.sort((a, b) => (totals.get(b) ?? 0) - (totals.get(a) ?? 0));
  const shown = codes.slice(0, PALETTE.length - 1);
  const errorSeries: Series[] = shown.map((c, i) => ({ name: c, color: PALETTE[i] as string, values: timeline.map((s) => s.errors[c] ?? 0) }));
  if (codes.length > shown.length) {
    const rest = codes.slice(shown.length);
    errorSeries.push({ name: 'other', color: PALETTE[PALETTE.length - 1] as string, values: timeline.map((s) => rest.reduce((t, c) => t + (s.errors[c] ?? 0), 0)) });
  }
  const panels = [
    { title: 'throughput (acknowledged ops/s)', kind: 'line', series: [
      { name: 'ok writes/s', color: '#1f77b4', values: timeline.map((s) => s.okWrites) },
      { name: 'ok reads/s', color: '#2ca02c', values: timeline.map((s) => s.okReads) },
    ] },
    { title: 'errors/s by status and code', kind: 'stack', series: errorSeries },
    { title: 'latency p99 (ms)', kind: 'line', series: [{ name: 'p99', color: '#9467bd', values: timeline.map((s) => s.p99Ms) }, { name: 'p50', color: '#c5b0d5', values: timeline.map((s) => s.p50Ms) }] },
  ] as const;
  // Each panel's legend sits below it, three entries a row.
  const legendRows = panels.map((p) => Math.ceil(p.series.length / 3));
  const tops: number[] = [];
  let acc = TOP;
  for (const rows of legendRows) {
    tops.push(acc);
    acc += PANEL + GAP + rows * 16;
  }
  const height = acc + 10;
  const parts: string[] = [];
  panels.forEach((p, i) => {
    const y0 = tops[i] as number;
    const sums = timeline.map((_, t) => (p.kind === 'stack' ? p.series.reduce((a, s) => a + (s.values[t] ?? 0), 0) : Math.max(0, ...p.series.map((s) => s.values[t] ?? 0))));
    const max = niceMax(Math.max(0, ...sums));
    const y = (v: number) => y0 + PANEL - (v / max) * PANEL;
    parts.push(`<g class="panel" data-panel="${i}"><text x="${LEFT}" y="${y0 - 6}" class="title">${esc(p.title)}</text>`);
    parts.push(`<rect x="${LEFT}" y="${y0}" width="${plotW}" height="${PANEL}" class="frame"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${y0 + 10}" class="axis" text-anchor="end">${max}</text><text x="${LEFT - 6}" y="${y0 + PANEL}" class="axis" text-anchor="end">0</text>`);
    if (p.kind === 'stack') {
      const base = new Array<number>(n).fill(0);
      for (const s of p.series) {
        s.values.forEach((v, t) => {
          if (v <= 0) return;
          const b = base[t] ?? 0;
          parts.push(`<rect class="bar" x="${x(t).toFixed(1)}" y="${y(b + v).toFixed(1)}" width="${Math.max(1, plotW / n - 1).toFixed(1)}" height="${(y(b) - y(b + v)).toFixed(1)}" fill="${s.color}"><title>${t}s ${esc(s.name)}: ${v}</title></rect>`);
          base[t] = b + v;
        });
      }
    } else {
      for (const s of p.series) {
        const pts = s.values.map((v, t) => `${x(t + 0.5).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
        parts.push(`<polyline class="series" points="${pts}" fill="none" stroke="${s.color}" stroke-width="1.6"/>`);
      }
    }
    p.series.forEach((s, k) => {
      const lx = LEFT + (k % 3) * (plotW / 3);
      const ly = y0 + PANEL + 22 + Math.floor(k / 3) * 16;
      parts.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${s.color}"/><text x="${lx + 14}" y="${ly}" class="legend">${esc(s.name.replace(/SETGATE_/g, '').slice(0, 44))}</text>`);
    });
    parts.push('</g>');
  });
  const bottom = (tops[tops.length - 1] as number) + PANEL;
  for (const y0 of tops) {
    for (let t = 0; t <= n; t += n > 60 ? 10 : 5) parts.push(`<text x="${x(t)}" y="${y0 + PANEL + 10}" class="axis" text-anchor="middle">${t}s</text>`);
  }
  // Markers before the load started (e.g. failovers while the stack was starting) are listed in the report, not drawn.
  for (const m of markers.filter((k) => k.tMs >= 0 && k.tMs <= n * 1000)) {
    const mx = x(m.tMs / 1000).toFixed(1);
    const style = MARK[m.kind];
    parts.push(
      `<g class="marker marker-${m.kind}" data-kind="${m.kind}" data-t-ms="${m.tMs}"><line x1="${mx}" x2="${mx}" y1="${TOP - 4}" y2="${bottom}" stroke="${style.color}" stroke-width="${m.kind === 'fault' ? 2.5 : 1.5}" stroke-dasharray="${style.dash}"/>` +
        `${m.kind === 'fault' || m.kind === 'heal' ? `<text x="${Number(mx) + 3}" y="${TOP + 8}" class="mlabel" fill="${style.color}">${m.kind}</text>` : ''}<title>${(m.tMs / 1000).toFixed(2)} s ${esc(m.kind)}: ${esc(m.label)}</title></g>`,
    );
  }
  return `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="timeline">${parts.join('')}</svg>`;
}
