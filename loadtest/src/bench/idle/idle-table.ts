import { renderColumns } from '../table.js';
import type { IdleResult } from './idle-bench.js';

const MB = 1024 * 1024;

/** Kinds in the order a request meets them, the control plane first (everything watches it). */
const KIND_ORDER = ['control-plane', 'wan-link', 'regional-proxy', 'gateway', 'set-runtime'];

/** The idle probe's table: one row per process, the total, each window, and the goal. */
export function formatIdleTable(r: IdleResult): string {
  const rank = (kind: string) => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) : KIND_ORDER.length);
  const rows = [...r.processes]
    .sort((a, b) => rank(a.kind) - rank(b.kind) || a.id.localeCompare(b.id))
    .map((p) => [p.id, p.kind, p.cpuMsPerSec.toFixed(1), p.wakeupsPerSec.toFixed(0), (p.rssBytes / MB).toFixed(0)]);
  rows.push([
    `total (${r.processes.length})`,
    '',
    (r.total.cores * 1000).toFixed(1),
    r.total.wakeupsPerSec.toFixed(0),
    (r.total.rssBytes / MB).toFixed(0),
  ]);
  const table = renderColumns(['process', 'kind', 'CPU ms/s', 'wake-ups/s', 'RSS MB'], rows, ['left', 'left', 'right', 'right', 'right']);
  const windows = r.windows.map((w) => `${w.cores.toFixed(3)}`).join(', ');
  const verdict = r.total.cores <= r.goalCores ? 'within the goal' : `${(r.total.cores / r.goalCores).toFixed(1)}× the goal`;
  return [
    `idle: ${r.description}`,
    `${r.windows.length} window(s) of ${r.options.durationSec} s after a ${r.options.warmupSec} s settle${r.options.wan ? ', WAN emulation on' : ''}`,
    '',
    table,
    '',
    `windows (cores): ${windows}`,
    `whole stack: ${r.total.cores.toFixed(3)} core against a goal of ≤ ${r.goalCores} (${verdict})`,
    '',
  ].join('\n');
}
