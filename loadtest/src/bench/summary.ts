import type { ConfigurationSpec, LatencyExpectation, MeasuredProcess } from './benchmark.js';
import type { MeasuredSample } from './measure.js';
import { median, medianOfKnown, ratio } from './stats.js';

/** The figures compared between configurations. */
export interface Figures {
  /** Median over rounds. */
  readonly reqPerSec: number;
  /** Median over rounds of 2xx answers per second (goodput). */
  readonly okPerSec: number;
  /** Median over rounds of each run's p50, in ms. */
  readonly p50Ms: number;
  /** Median over rounds of each run's p99, in ms. */
  readonly p99Ms: number;
  /** Median over rounds; null when no round completed a request. */
  readonly cpuUsPerRequest: number | null;
  /** Connection errors, summed over rounds: any error matters, so none is hidden by a median. */
  readonly errors: number;
  /** Non-2xx responses, summed over rounds. */
  readonly non2xx: number;
}

/** Each figure divided by the baseline's; null where no ratio is meaningful. */
export type Ratios = { readonly [K in keyof Figures]: number | null };

/** One measured process's share, median over rounds. */
export interface ProcessSummary {
  readonly name: string;
  readonly pid: number;
  readonly cpuUsPerRequest: number | null;
}

/** Everything reported for one configuration. */
export interface ConfigurationSummary {
  readonly name: string;
  readonly description: string;
  readonly baseline: boolean;
  readonly figures: Figures;
  readonly ratios: Ratios;
  readonly processes: readonly ProcessSummary[];
  /** The raw per-round samples the medians come from, in run order. */
  readonly rounds: readonly MeasuredSample[];
  /** Connections the row ran with (its own count, or `--connections`). */
  readonly connections?: number;
  /** A latency row's p50 set against what the topology says it must add. */
  readonly latency?: LatencySummary;
}

/** A latency row priced against the row without what it adds. */
export interface LatencySummary extends LatencyExpectation {
  /** p50 of this row minus p50 of `over` (medians over rounds), in ms. */
  readonly addedMs: number;
  /** `addedMs − addsMs`: what the row costs beyond the expected latency. */
  readonly beyondMs: number;
}

/** Per-row facts a benchmark's targets declared, keyed by configuration name. */
export interface RowFacts {
  readonly expectations?: Readonly<Record<string, LatencyExpectation>>;
  readonly connections?: Readonly<Record<string, number>>;
}

function figuresOf(rounds: readonly MeasuredSample[]): Figures {
  return {
    reqPerSec: median(rounds.map((r) => r.reqPerSec)),
    okPerSec: median(rounds.map((r) => r.okPerSec)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    cpuUsPerRequest: medianOfKnown(rounds.map((r) => r.cpuUsPerRequest)),
    errors: rounds.reduce((s, r) => s + r.errors, 0),
    non2xx: rounds.reduce((s, r) => s + r.non2xx, 0),
  };
}

function ratiosOf(f: Figures, base: Figures): Ratios {
  return {
    reqPerSec: ratio(f.reqPerSec, base.reqPerSec),
    okPerSec: ratio(f.okPerSec, base.okPerSec),
    p50Ms: ratio(f.p50Ms, base.p50Ms),
    p99Ms: ratio(f.p99Ms, base.p99Ms),
    cpuUsPerRequest: ratio(f.cpuUsPerRequest, base.cpuUsPerRequest),
    errors: ratio(f.errors, base.errors),
    non2xx: ratio(f.non2xx, base.non2xx),
  };
}

function processesOf(measured: readonly MeasuredProcess[], rounds: readonly MeasuredSample[]): ProcessSummary[] {
  return measured.map((p, i) => ({
    name: p.name,
    pid: p.pid,
    cpuUsPerRequest: medianOfKnown(rounds.map((r) => r.processes[i]?.cpuUsPerRequest ?? null)),
  }));
}

/**
 * Reduces each configuration's rounds to medians and ratios to the baseline.
 * `samples` maps every configuration name to its rounds (at least one each).
 */
export function summarize(
  configurations: readonly ConfigurationSpec[],
  baseline: string,
  measured: Readonly<Record<string, readonly MeasuredProcess[]>>,
  samples: ReadonlyMap<string, readonly MeasuredSample[]>,
  facts: RowFacts = {},
): ConfigurationSummary[] {
  const roundsOf = (name: string) => {
    const rounds = samples.get(name);
    if (!rounds || rounds.length === 0) throw new Error(`configuration ${name} has no completed round`);
    return rounds;
  };
  const base = figuresOf(roundsOf(baseline));
  const latencyOf = (name: string, figures: Figures): LatencySummary | undefined => {
    const e = facts.expectations?.[name];
    if (!e) return undefined;
    if (!configurations.some((c) => c.name === e.over)) throw new Error(`configuration ${name} is priced over ${e.over}, which did not run`);
    const addedMs = figures.p50Ms - figuresOf(roundsOf(e.over)).p50Ms;
    return { ...e, addedMs, beyondMs: addedMs - e.addsMs };
  };
  return configurations.map((c) => {
    const rounds = roundsOf(c.name);
    const figures = figuresOf(rounds);
    const connections = facts.connections?.[c.name];
    const latency = latencyOf(c.name, figures);
    return {
      name: c.name,
      description: c.description,
      baseline: c.name === baseline,
      figures,
      ratios: ratiosOf(figures, base),
      processes: processesOf(measured[c.name] ?? [], rounds),
      rounds,
      ...(connections !== undefined ? { connections } : {}),
      ...(latency ? { latency } : {}),
    };
  });
}
