import { resolve } from 'node:path';
import { runIdleBench } from './idle/idle-bench.js';
import { formatIdleTable } from './idle/idle-table.js';
import { BenchUsageError, parseBenchArgs, USAGE } from './options.js';
import { formatHopCheckTable, runHopCheck } from './hop-check/hop-check-probe.js';
import { formatObservabilityTable, runObservabilityProbe } from './observability/observability-probe.js';
import { benchmarkNames, HOP_CHECK, IDLE, loadBenchmark, OBSERVABILITY } from './registry.js';
import { buildReport, machineInfo, writeReport } from './report.js';
import { BenchAbortedError, runBenchmark } from './runner.js';
import { formatResultTable } from './table.js';

/**
 * `npm run bench -- <benchmark> [options]`. Exit codes: 0 done, 1 the run
 * failed (everything started was stopped), 2 bad command line, 130 interrupted.
 */
async function main(argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      // The components also watch their IPC channel and stop when we are gone.
      process.stderr.write(`${signal} again: exiting without waiting\n`);
      process.exit(130);
    }
    process.stderr.write(`${signal}: stopping the run and every process it started\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const command = parseBenchArgs(argv);
    if (command.kind === 'help') {
      process.stdout.write(`${USAGE}\n\nbenchmarks: ${benchmarkNames().join(', ')}\n`);
      return 0;
    }
    const { options } = command;
    const hooks = { signal: controller.signal, log: (line: string) => process.stderr.write(`${line}\n`) };
    if (options.name === IDLE) {
      // No load to drive: a probe of its own, with its own table and report.
      const idle = await runIdleBench(options, hooks);
      return report(formatIdleTable(idle), options.jsonPath, { ...idle, machine: machineInfo() });
    }
    if (options.name === HOP_CHECK) {
      // One process, no stack: --rounds is the number of paired batches per check.
      const result = await runHopCheck(options.rounds, controller.signal);
      return report(formatHopCheckTable(result), options.jsonPath, { ...result, machine: machineInfo() });
    }
    if (options.name === OBSERVABILITY) {
      // One process, no stack: --rounds is the number of paired batches per subject.
      const result = await runObservabilityProbe(options.rounds, controller.signal);
      return report(formatObservabilityTable(result), options.jsonPath, { ...result, machine: machineInfo() });
    }
    const benchmark = await loadBenchmark(options.name);
    const result = await runBenchmark(benchmark, options, hooks);
    return report(formatResultTable(result), options.jsonPath, buildReport(result));
  } catch (err) {
    if (err instanceof BenchUsageError) {
      process.stderr.write(`${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof BenchAbortedError) {
      process.stderr.write('interrupted; every process started was stopped\n');
      return 130;
    }
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

/** Prints a run's table and, with --json, writes its report; the exit code of a finished run. */
function report(table: string, jsonPath: string | undefined, json: Parameters<typeof writeReport>[1]): number {
  process.stdout.write(`\n${table}`);
  if (jsonPath) {
    const path = resolve(jsonPath);
    writeReport(path, json);
    process.stdout.write(`\nJSON report: ${path}\n`);
  }
  return 0;
}

// Exit explicitly: the run must end on its own even if a library left a timer behind.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
