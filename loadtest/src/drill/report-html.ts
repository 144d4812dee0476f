import type { DrillSummary, RunReport } from './report-types.js';
import { esc, timelineSvg } from './report-svg.js';

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}table{border-collapse:collapse;margin:8px 0}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f4f4f4}
.passed{color:#2ca02c;font-weight:600}.failed{color:#d62728;font-weight:600}.skipped{color:#7f7f7f;font-weight:600}
svg .frame{fill:#fafafa;stroke:#ccc}svg .title{font:600 12px system-ui}svg .axis,svg .legend{font:11px system-ui;fill:#555}
svg .mlabel{font:600 11px system-ui}code{font-size:12px}.detail{font-size:12px;max-width:900px}`;

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v} ms`);

function table(head: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  if (rows.length === 0) return '<p>none</p>';
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</table>`;
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>\n`;
}

/** The body of one run's report (a page of its own, or a section of the summary). */
export function runSection(r: RunReport): string {
  const c = r.checks;
  const head = `<h1>drill ${esc(r.scenario)} — seed ${r.seed}, run ${r.run}: <span class="${r.status}">${r.status.toUpperCase()}</span></h1>`;
  if (r.status === 'skipped') return `${head}<p>${esc(r.reason ?? '')}</p>`;
  const facts = table(
    ['fact', 'value'],
    [
      ['started', r.startedAt],
      ['fault', r.fault ? `${(r.fault.atMs / 1000).toFixed(2)} s: ${r.fault.description}` : (r.reason ?? '—')],
      ['heal', r.fault?.healAtMs !== undefined ? `${(r.fault.healAtMs / 1000).toFixed(2)} s (done at ${((r.fault.healedAtMs ?? 0) / 1000).toFixed(2)} s)` : '—'],
      ['affected shards', r.fault ? `${r.fault.affectedShards.length} (${r.recovery.disruptedShards} disrupted)` : '—'],
      ['RTO (every affected shard writable again)', r.recovery.rtoMs === null ? 'not recovered during the load' : ms(r.recovery.rtoMs)],
      ['last failed write sent (RTO lower bound)', ms(r.recovery.lastFailedSentMs)],
      ['new leaders published (control plane)', ms(r.recovery.publishedMs)],
      ['longest write pause', ms(r.recovery.writePauseMs)],
      ['throughput', `${r.throughput.opsPerS} ops/s; ${r.throughput.okWritesPerS} ok writes/s, ${r.throughput.okReadsPerS} ok reads/s; p99 ${r.throughput.p99Ms} ms`],
      ['load', `${r.config.users} users (+${r.config.surgeUsers} surge, +${r.config.probeWriters ?? 0} probe writers every ${r.config.probeEveryMs ?? '-'} ms after the fault), think ${r.config.thinkMs} ms, ${r.config.durationS} s, lease ${r.config.leaseMs} ms`],
      ['writes', c ? `${c.stats.writes.ok} acknowledged, ${c.stats.writes.fail} refused (not applied), ${c.stats.writes.unknown} outcome unknown` : '—'],
      ...(r.cutOffUsers
        ? [
            [
              `users of ${r.cutOffUsers.region} while cut off`,
              `${r.cutOffUsers.users} users; ops via ${Object.entries(r.cutOffUsers.via).map(([g, n]) => `${g} ${n}`).join(', ') || 'none'}; reads ok ${r.cutOffUsers.reads.ok} (stale-fallback ${r.cutOffUsers.reads.staleFallback}) / refused ${r.cutOffUsers.reads.fail} / unknown ${r.cutOffUsers.reads.unknown}; writes ok ${r.cutOffUsers.writes.ok} / refused ${r.cutOffUsers.writes.fail} / unknown ${r.cutOffUsers.writes.unknown}`,
            ] as [string, string],
          ]
        : []),
      ['async loss', `reported by the system ${r.asyncLoss.reported}, measured ${r.asyncLoss.measured} (${r.asyncLoss.asyncShards} async shards)`],
      ['convergence', r.convergence ? `${r.convergence.converged ? 'converged' : 'NOT converged'} in ${r.convergence.waitedMs} ms` : '—'],
    ],
  );
  const checks = c ? table(['check', 'violations'], Object.entries(c.counts)) : '';
  const violations = c
    ? table(
        ['check', 'key', 'detail'],
        c.violations.slice(0, 50).map((v) => [v.check, v.key ?? (v.shard !== undefined ? `shard ${v.shard}` : ''), v.detail]),
      ) + (c.violationsTotal > 50 ? `<p>${c.violationsTotal - 50} more in the JSON report</p>` : '')
    : '';
  return [
    head,
    facts,
    '<h2>timeline</h2>',
    timelineSvg(r.timeline, r.markers),
    '<p>Markers: <span style="color:#d62728">fault</span>, <span style="color:#2ca02c">heal / healed</span>, <span style="color:#ff7f0e">failover</span>, <span style="color:#7f7f7f">load stopped</span>.</p>',
    '<h2>checks</h2>',
    checks,
    violations,
    '<h2>failover events</h2>',
    '<p>Times are from the start of the load; negative ones happened while the stack was starting.</p>',
    table(['t', 'shard', 'from', 'to', 'epoch', 'in sync', 'unreachable'], r.failovers.map((e) => [`${(e.tMs / 1000).toFixed(2)} s`, e.shard, e.fromNode, e.toNode, e.epoch, e.inSync ?? '', ms(e.unreachableMs)])),
    '<h2>errors by status and code</h2>',
    table(['status code', 'count'], r.errors.map((e) => [e.error, e.count])),
    '<h2>recovery per affected shard</h2>',
    table(['shard', 'disrupted', 'RTO', 'write pause', 'failed writes'], r.recovery.shards.map((s) => [s.shard, s.disrupted, ms(s.rtoMs), ms(s.writePauseMs), s.failedWrites])),
  ].join('\n');
}

/** A self-contained page for one run. */
export function runHtml(r: RunReport): string {
  return page(`drill ${r.scenario} seed ${r.seed}`, runSection(r));
}

/** A self-contained page: the summary across runs, with a link to each run's page (or, without links, each run inline). */
export function summaryHtml(s: DrillSummary, runs: readonly RunReport[], runPages?: readonly string[]): string {
  const rows = runs.map((r, i) => [
    runPages?.[i] ? `<a href="${esc(runPages[i])}">run ${r.run}</a>` : `run ${r.run}`,
    r.seed,
    `<span class="${r.status}">${r.status}</span>`,
    esc(ms(r.recovery.rtoMs)),
    esc(ms(r.recovery.writePauseMs)),
    r.failovers.length,
    esc(Object.entries(r.checks?.counts ?? {}).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'),
  ]);
  const runTable = `<table><tr><th>run</th><th>seed</th><th>status</th><th>RTO</th><th>write pause</th><th>failovers</th><th>violations</th></tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</table>`;
  const body = [
    `<h1>drill ${esc(s.scenario)}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped of ${s.runs}</h1>`,
    table(
      ['measure', 'p50', 'p99', 'max'],
      [
        ['RTO', ms(s.rtoMs.p50), ms(s.rtoMs.p99), ms(s.rtoMs.max)],
        ['last failed write sent', ms(s.lastFailedSentMs.p50), ms(s.lastFailedSentMs.p99), ms(s.lastFailedSentMs.max)],
        ['leaders published', ms(s.publishedMs.p50), ms(s.publishedMs.p99), ms(s.publishedMs.max)],
        ['write pause', ms(s.writePauseMs.p50), ms(s.writePauseMs.p99), ms(s.writePauseMs.max)],
      ],
    ),
    `<p>${s.ackedWrites} acknowledged writes, ${s.failovers} failover events${s.rtoMs.unrecovered ? `, ${s.rtoMs.unrecovered} run(s) not recovered during the load` : ''}.</p>`,
    table(['check', 'violations over all runs'], Object.entries(s.violations)),
    runTable,
    ...(runPages ? [] : runs.map((r) => `<hr>${runSection(r)}`)),
  ].join('\n');
  return page(`drill ${s.scenario} summary`, body);
}
