import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { parseDrillArgs, USAGE } from './options.js';
import type { RunReport } from './report-types.js';
import { runHtml, summaryHtml } from './report-html.js';
import { emptyReport, type RunOptions, runDrill, stopActiveRuns } from './run.js';
import { SCENARIOS } from './scenarios/index.js';
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
  const scenario = SCENARIOS.get(opts.scenario);
  if (!scenario) {
    process.stderr.write(`unknown scenario ${opts.scenario}; one of: ${[...SCENARIOS.keys()].join(', ')}\n${USAGE}\n`);
    return 2;
  }
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

// Interrupted: stop the stack of the run under way (its processes would otherwise outlive us).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`${signal}: stopping the drill's stack\n`);
    void stopActiveRuns().finally(() => process.exit(130));
  });
}

process.exitCode = await main();
