import type { ConfigurationSummary } from './summary.js';

/**
 * What a benchmark is: a set of named configurations compared side by side
 * against one baseline. The harness owns timing, interleaving, CPU accounting
 * and reporting; a benchmark only says what to start, what to send and which
 * processes pay for it.
 */

/** HTTP methods a benchmark may drive (autocannon's request methods). */
export type LoadMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** The one request a configuration is driven with, repeated on every connection. */
export interface LoadRequest {
  readonly method: LoadMethod;
  /** Absolute URL, e.g. `http://127.0.0.1:7100/v1/profile`. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /**
   * Headers per connection, handed out in turn (connection i gets entry i mod length) in place
   * of `headers`: one user per connection, so a per-client cap prices nothing a real crowd would not hit.
   */
  readonly connectionHeaders?: readonly Readonly<Record<string, string>>[];
}

/** A process whose CPU time is charged to a configuration. */
export interface MeasuredProcess {
  /** What it is in the path, e.g. `gateway` or `set-runtime`; unique within a configuration. */
  readonly name: string;
  readonly pid: number;
}

/**
 * What a latency row should cost: its p50 is compared with the p50 of row
 * `over` and with `addsMs`, the latency the topology says it must add (an RTT).
 */
export interface LatencyExpectation {
  /** The row without what is being priced (e.g. the same request with WAN emulation off). */
  readonly over: string;
  /** What the row must add to `over`'s p50, in ms (0: nothing). */
  readonly addsMs: number;
  /** Where `addsMs` comes from, e.g. `RTT eu-west ↔ us-east (nearest in-sync replica)`. */
  readonly why: string;
}

/** A started configuration: where to send load and who to charge. */
export interface BenchTarget {
  readonly request: LoadRequest;
  /** Processes whose CPU (utime+stime) is summed into the configuration's µs/req. */
  readonly measured: readonly MeasuredProcess[];
  /**
   * Connections for this row whatever `--connections` says: 1 for a row that
   * prices latency, so no request queues behind another.
   */
  readonly connections?: number;
  /** A latency row: what its p50 should add to another row's. */
  readonly expect?: LatencyExpectation;
  /**
   * The status every answer of the row has (checked once before load): 2xx by default; a row
   * that prices refusals (a shed 503, a rate-limited 429) names its own.
   */
  readonly expectStatus?: number;
  /**
   * 'ok': p50 and p99 are taken over 2xx answers only (what admitted requests saw under
   * overload, not how fast refusals came back). Default 'all'.
   */
  readonly latencyOf?: 'all' | 'ok';
}

/** Everything a benchmark started; `stop` must release all of it and be safe to call once after any failure. */
export interface BenchSetup {
  /** One target per declared configuration name. */
  readonly targets: Readonly<Record<string, BenchTarget>>;
  /** Facts worth keeping with the numbers (key, shard, instance ids…); goes into the JSON report. */
  readonly details?: Readonly<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** One side of a comparison. */
export interface ConfigurationSpec {
  /** Short kebab-case name shown in the table, e.g. `direct`, `full-path`. */
  readonly name: string;
  /** One line on what the configuration sends where. */
  readonly description: string;
  /** The setup may leave it out (e.g. a row that cannot run with `--wan`); the table then omits it. */
  readonly optional?: boolean;
}

/** What the harness hands a benchmark when it starts. */
export interface BenchContext {
  /** Aborted on Ctrl-C; a long setup may give up early. */
  readonly signal: AbortSignal;
  /** Progress lines for the operator (stderr in the CLI). */
  log(line: string): void;
  /** `--wan`: start the stack with WAN emulation. */
  readonly wan?: boolean;
  /** `--workers N`: the worker count a benchmark that runs a gateway also tries. */
  readonly workers?: number;
  /** `--connections N`: what a row runs with unless it names its own count (a benchmark may size users by it). */
  readonly connections: number;
}

/** A benchmark module's export. */
export interface Benchmark {
  /** Registry name: `npm run bench -- <name>`. */
  readonly name: string;
  readonly description: string;
  /** Compared configurations, in the order each round runs them. */
  readonly configurations: readonly ConfigurationSpec[];
  /** Name of the configuration every ratio is taken against. */
  readonly baseline: string;
  /**
   * Starts what is measured, on free ports, and returns one target per
   * configuration. If it throws, it must already have stopped what it started.
   */
  setup(ctx: BenchContext): Promise<BenchSetup>;
  /** The goals the issue set, checked on the summarised rows (and the setup's details) and printed under the table. */
  goals?(rows: readonly ConfigurationSummaryLike[], details?: Readonly<Record<string, unknown>>): GoalCheck[];
}

/** What `goals` reads of a summarised row. */
export type ConfigurationSummaryLike = Pick<ConfigurationSummary, 'name' | 'figures'> & Partial<Pick<ConfigurationSummary, 'rounds'>>;

/** One goal as a ratio measured side by side, and whether this run met it. */
export interface GoalCheck {
  /** What is compared, e.g. `shed CPU µs/req ÷ served`. */
  readonly name: string;
  /** The measured ratio; null when a row had nothing to divide. */
  readonly value: number | null;
  /** `at-most`: value ≤ limit is met; `at-least`: value ≥ limit. */
  readonly bound: 'at-most' | 'at-least';
  readonly limit: number;
  readonly met: boolean;
  /** How value and limit read: a ratio (`0.91×`, the default) or CPU µs per request (`4.2 µs`). */
  readonly unit?: 'ratio' | 'us';
}

/** A GoalCheck from its parts (unknown values never meet a goal). */
export function goal(name: string, value: number | null, bound: GoalCheck['bound'], limit: number, unit: GoalCheck['unit'] = 'ratio'): GoalCheck {
  const met = value !== null && (bound === 'at-most' ? value <= limit : value >= limit);
  return { name, value, bound, limit, met, ...(unit === 'us' ? { unit } : {}) };
}
