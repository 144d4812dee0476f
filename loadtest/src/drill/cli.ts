import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { parseDrillArgs, USAGE } from './options.js';
import type { RunReport } from './report-types.js';
import { runHtml, summaryHtml } from './report-html.js';
import { emptyReport, type RunOptions, runDrill, runDrillSuite, stopActiveRuns } from './run.js';
import { SCENARIOS, type Scenario } from './scenarios/index.js';
import { summarize, summaryText } from './summary.js';

/** With several runs, `report.html` is the summary and each run gets `report-run<k>.html` beside it. */
function runPagePath(file: string, run: number): string {
  const ext = extname(file);
  return join(dirname(file), `${basename(file, ext)}-run${run}${ext || '.html'}`);
}

function write(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

async function main(): Promise<number> {
  let opts: ReturnType<typeof parseDrillArgs>;
  try {
    opts = parseDrillArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const names = opts.scenario === 'all' ? [...SCENARIOS.keys()] : opts.scenario.split(',');
  const unknown = names.filter((n) => !SCENARIOS.has(n));
  if (unknown.length > 0 || names.length === 0) {
    process.stderr.write(`unknown scenario ${unknown.join(', ')}; one of: ${[...SCENARIOS.keys()].join(', ')} (or several, comma-separated, or all)\n${USAGE}\n`);
    return 2;
  }
  if (names.length > 1) return suite(opts, names.map((n) => SCENARIOS.get(n) as Scenario));
  const scenario = SCENARIOS.get(names[0] as string) as Scenario;
  const runs: RunReport[] = [];
  for (let k = 0; k < opts.runs; k++) {
    const runOpts: RunOptions = {
      scenario,
      seed: opts.seed + k,
      run: k + 1,
      durationS: opts.durationS,
      usersPerShard: opts.usersPerShard,
      thinkMs: opts.thinkMs,
      wan: opts.wan,
      log: (line) => process.stderr.write(`${line}\n`),
      ...(opts.history ? { onHistory: (ops) => write(opts.runs === 1 ? (opts.history as string) : runPagePath(opts.history as string, k + 1), `${ops.map((o) => JSON.stringify(o)).join('\n')}\n`) } : {}),
    };
    // A run that could not even start (e.g. its stack) is a failed run with its reason, and the next run still goes.
    const report = await runDrill(runOpts).catch((err: Error) => emptyReport(runOpts, 'failed', `the run broke off: ${err.message}`));
    runs.push(report);
    process.stdout.write(`${summaryText(summarize(scenario.name, [report]), [report]).split('\n').slice(0, -1).join('\n')}\n`);
  }
  const summary = summarize(scenario.name, runs);
  process.stdout.write(`${summaryText(summary, []).trim()}\n`);
  if (opts.json) write(opts.json, `${JSON.stringify({ summary, runs }, null, 2)}\n`);
  if (opts.html) {
    if (runs.length === 1) write(opts.html, runHtml(runs[0] as RunReport));
    else {
      const pages = runs.map((r) => runPagePath(opts.html as string, r.run));
      for (const [i, r] of runs.entries()) write(pages[i] as string, runHtml(r));
      write(opts.html, summaryHtml(summary, runs, pages.map((p) => basename(p))));
    }
  }
  if (summary.skipped === summary.runs) process.stdout.write(`SKIPPED: ${runs[0]?.reason ?? ''}\n`);
  return summary.failed > 0 ? 1 : 0;
}

/** Several scenarios, one after another on one stack (`--runs` times over); exit 1 when any run failed. */
async function suite(opts: ReturnType<typeof parseDrillArgs>, scenarios: Scenario[]): Promise<number> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const runs: RunReport[] = [];
  for (let k = 0; k < opts.runs; k++) {
    const reports = await runDrillSuite({ scenarios, seed: opts.seed + k * scenarios.length, durationS: opts.durationS, usersPerShard: opts.usersPerShard, thinkMs: opts.thinkMs, wan: opts.wan, log });
    runs.push(...reports);
  }
  for (const r of runs) process.stdout.write(`${summaryText(summarize(r.scenario, [r]), [r]).split('\n').slice(0, -1).join('\n')}\n`);
  if (opts.json) write(opts.json, `${JSON.stringify({ runs }, null, 2)}\n`);
  if (opts.html) {
    for (const [i, r] of runs.entries()) write(runPagePath(opts.html, i + 1), runHtml(r));
  }
  const failed = runs.filter((r) => r.status === 'failed');
  process.stdout.write(`suite: ${runs.length} runs, ${failed.length} failed${failed.length ? ` (${failed.map((r) => `${r.scenario}: ${r.reason ?? ''}`).join('; ')})` : ''}\n`);
  return failed.length > 0 ? 1 : 0;
}

// Interrupted: stop the stack of the run under way (its processes would otherwise outlive us).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`${signal}: stopping the drill's stack\n`);
    void stopActiveRuns().finally(() => process.exit(130));
  });
}

process.exitCode = await main();
