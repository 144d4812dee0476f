import { parseArgs } from 'node:util';

/** How one `npm run bench` invocation runs. */
export interface BenchOptions {
  /** Registry name of the benchmark. */
  readonly name: string;
  /** Seconds of load per configuration per round. */
  readonly durationSec: number;
  /** Concurrent connections autocannon keeps open. */
  readonly connections: number;
  /** How many times every configuration runs, interleaved (A B C, C B A, A B C …). */
  readonly rounds: number;
  /** Seconds of uncounted load per configuration before the first round. */
  readonly warmupSec: number;
  /** Where to write the JSON report; omitted: table only. */
  readonly jsonPath?: string;
  /** Start the stack with WAN emulation (cross-region hops pay the RTT matrix). */
  readonly wan?: boolean;
  /** `gateway`: also run its gateway row with this many workers (SETGATE_WORKERS), side by side. */
  readonly workers?: number;
  /**
   * Offered load in requests per second (all connections together) instead of as fast as
   * the rows go. CPU per request is then compared at equal load: at saturation a slower row
   * also batches less per event-loop turn and syscall, which charges it more than its own work.
   */
  readonly rate?: number;
  /**
   * Measure only these rows, beside the baseline (the setup still starts every stack): many short
   * interleaved rounds of two rows resolve a small difference that the full table's noise hides.
   */
  readonly only?: readonly string[];
}

/** Defaults, chosen so a full comparison of two configurations takes well under a minute. */
export const DEFAULT_OPTIONS = { durationSec: 5, connections: 32, rounds: 3, warmupSec: 1 } as const;

/** The `idle` probe sends nothing: three 20 s windows after a 30 s settle (with 10 s the first window still ran ~20% above the others). */
export const IDLE_DEFAULTS = { durationSec: 20, rounds: 3, warmupSec: 30 } as const;

/** The in-process probes (hop-check, observability): --rounds is their number of paired batches per check or subject. */
export const PROBE_DEFAULTS: Readonly<Record<string, { rounds: number }>> = { 'hop-check': { rounds: 200 }, observability: { rounds: 200 } };

/** Options the in-process probes (one process, no stack, no load runner) have no use for. */
const NOT_FOR_PROBES = ['duration', 'connections', 'warmup', 'wan', 'workers', 'rate', 'only'] as const;

/** Options of load runs, which the `idle` probe does not send. */
const LOAD_ONLY = ['connections', 'workers', 'rate', 'only'] as const;

/** A command line the harness cannot run; the message says what to fix. */
export class BenchUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchUsageError';
  }
}

export const USAGE = `usage: npm run bench -- <benchmark> [options]

options:
  --duration SEC      load per configuration per round (default ${DEFAULT_OPTIONS.durationSec})
  --connections N     concurrent connections (default ${DEFAULT_OPTIONS.connections})
  --rounds N          interleaved rounds, A B C / C B A / … (default ${DEFAULT_OPTIONS.rounds})
  --warmup SEC        uncounted load per configuration before round 1 (default ${DEFAULT_OPTIONS.warmupSec}; 0 skips)
  --json FILE         also write the results as JSON
  --wan               WAN emulation on (path, idle; the wan benchmark always runs with and without it)
  --workers N         gateway: also a row whose gateway runs N workers (SETGATE_WORKERS), beside the one-process row
  --rate N            offer N req/s (all connections together) to every row instead of as many as it takes:
                      CPU µs/req compared at equal load, below saturation
  --only ROW[,ROW]    measure only these rows and the baseline (every stack still starts), e.g. many short
                      rounds of two rows to resolve a difference of a few percent
  -h, --help          this text

hop-check (each listener's hop check with the secret and without, in one process) and observability
(the read's chain with metrics and tracing on and off, in two processes taking turns) read --rounds as the number of
paired batches per check (default ${PROBE_DEFAULTS['hop-check']?.rounds}) or subject (default ${PROBE_DEFAULTS.observability?.rounds}),
and take only --rounds and --json.

idle (npm start's whole stack with no traffic: CPU, wake-ups and memory per process) reads
--duration as one window (default ${IDLE_DEFAULTS.durationSec}), --rounds as how many (default ${IDLE_DEFAULTS.rounds}) and
--warmup as the settle time after every process is ready (default ${IDLE_DEFAULTS.warmupSec}).`;

/** Result of parsing: either options to run or a request for help. */
export type ParsedCommand = { readonly kind: 'run'; readonly options: BenchOptions } | { readonly kind: 'help' };

type NumberRule = 'positive' | 'non-negative' | 'positive-integer';

const RULE_TEXT: Record<NumberRule, string> = {
  positive: 'a number above 0',
  'non-negative': 'a number of 0 or more',
  'positive-integer': 'a whole number of 1 or more',
};

function numberOption(flag: string, raw: string | undefined, fallback: number, rule: NumberRule): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  const ok =
    raw.trim() !== '' &&
    Number.isFinite(value) &&
    (rule === 'non-negative' ? value >= 0 : value > 0) &&
    (rule !== 'positive-integer' || Number.isInteger(value));
  if (!ok) throw new BenchUsageError(`--${flag} must be ${RULE_TEXT[rule]}, got "${raw}"`);
  return value;
}

/**
 * Parses `<benchmark> [options]`. Unknown or malformed options throw a
 * BenchUsageError naming the culprit; whether the benchmark exists is the
 * registry's call.
 */
export function parseBenchArgs(argv: readonly string[]): ParsedCommand {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    // parseArgs' own messages are clear; drop its ERR_PARSE_ARGS_* wrapper.
    throw new BenchUsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (positionals.length === 0) throw new BenchUsageError('missing the benchmark name');
  if (positionals.length > 1) throw new BenchUsageError(`expected one benchmark name, got ${positionals.join(' ')}`);
  if (values.json !== undefined && values.json.trim() === '') throw new BenchUsageError('--json needs a file name');
  const name = positionals[0] as string;
  const idle = name === 'idle';
  const probe = PROBE_DEFAULTS[name];
  const defaults = idle ? { ...DEFAULT_OPTIONS, ...IDLE_DEFAULTS } : probe ? { ...DEFAULT_OPTIONS, ...probe } : DEFAULT_OPTIONS;
  if (probe) {
    const given = NOT_FOR_PROBES.filter((flag) => values[flag] !== undefined);
    if (given.length > 0) throw new BenchUsageError(`${name} runs without a stack or the load runner: ${given.map((f) => `--${f}`).join(', ')} does not apply`);
  }
  if (idle) {
    const given = LOAD_ONLY.filter((flag) => values[flag] !== undefined);
    if (given.length > 0) throw new BenchUsageError(`idle sends no traffic: ${given.map((f) => `--${f}`).join(', ')} does not apply`);
  }
  return {
    kind: 'run',
    options: {
      name,
      durationSec: numberOption('duration', values.duration, defaults.durationSec, 'positive'),
      connections: numberOption('connections', values.connections, defaults.connections, 'positive-integer'),
      rounds: numberOption('rounds', values.rounds, defaults.rounds, 'positive-integer'),
      warmupSec: numberOption('warmup', values.warmup, defaults.warmupSec, 'non-negative'),
      ...(values.json !== undefined ? { jsonPath: values.json } : {}),
      ...(values.wan ? { wan: true } : {}),
      ...(values.workers !== undefined ? { workers: numberOption('workers', values.workers, 1, 'positive-integer') } : {}),
      ...(values.rate !== undefined ? { rate: numberOption('rate', values.rate, 1, 'positive-integer') } : {}),
      ...(values.only !== undefined ? { only: rowList(values.only) } : {}),
    },
  };
}

function rowList(raw: string): string[] {
  const rows = raw.split(',').map((r) => r.trim());
  if (rows.some((r) => r === '')) throw new BenchUsageError(`--only needs row names separated by commas, got "${raw}"`);
  return rows;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      json: { type: 'string' },
      wan: { type: 'boolean' },
      workers: { type: 'string' },
      rate: { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
