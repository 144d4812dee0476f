import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchOptions } from '../options.js';
import { clockTicksPerSecond } from '../proc-cpu.js';
import { BenchAbortedError, type RunHooks } from '../runner.js';
import { startBenchStack } from '../stack.js';
import { type ProcessActivity, readProcessActivity } from './proc-activity.js';

/** Issue 16's goal: the whole local stack with no traffic uses at most this much of one core. */
export const IDLE_GOAL_CORES = 0.05;

/** One process of the idle stack over every window. */
export interface IdleProcess {
  /** Instance id, e.g. `gw-eu-west-1`. */
  readonly id: string;
  /** `set-runtime`, `gateway`, `regional-proxy`, `control-plane` or `wan-link`. */
  readonly kind: string;
  readonly pid: number;
  /** CPU (user + kernel, all threads) per second of wall time, in ms. */
  readonly cpuMsPerSec: number;
  /** Context switches of all threads per second: how often it wakes. */
  readonly wakeupsPerSec: number;
  /** Resident memory at the end, in bytes. */
  readonly rssBytes: number;
}

/** The whole stack in one window. */
export interface IdleWindow {
  readonly seconds: number;
  /** CPU of every process together, in cores (1 = one core busy all the time). */
  readonly cores: number;
  readonly wakeupsPerSec: number;
}

export interface IdleResult {
  readonly benchmark: 'idle';
  readonly description: string;
  readonly options: Omit<BenchOptions, 'name' | 'jsonPath'>;
  readonly clockTicksPerSecond: number;
  readonly goalCores: number;
  readonly windows: readonly IdleWindow[];
  /** Every window together. */
  readonly total: IdleWindow & { readonly rssBytes: number };
  readonly processes: readonly IdleProcess[];
}

interface Snapshot {
  readonly at: number;
  readonly activity: ReadonlyMap<string, ProcessActivity>;
}

const DESCRIPTION = "npm start's whole stack (control plane, nodes, gateways, regional proxies) with no traffic";

/**
 * `npm run bench -- idle`: starts the stack `npm start` runs, on free ports,
 * lets it settle, then reads every process's CPU time, context switches and
 * RSS from /proc at the edges of `rounds` windows of `durationSec` each. No
 * request is sent, not even a health probe: what it shows is what the stack
 * costs its host when nobody uses it.
 */
export async function runIdleBench(options: BenchOptions, hooks: RunHooks): Promise<IdleResult> {
  const hz = clockTicksPerSecond();
  const { signal, log } = hooks;
  if (signal.aborted) throw new BenchAbortedError();
  log(`idle: starting npm start's stack${options.wan ? ' with WAN emulation' : ''}`);
  const bench = await startBenchStack({ only: () => true, ...(options.wan ? { wan: true } : {}) });
  try {
    const kinds = new Map<string, string>(bench.stack.view.allInstances().map((i) => [i.id, i.kind]));
    const kindOf = (id: string) => kinds.get(id) ?? (id === bench.stack.topology.controlPlane?.id ? 'control-plane' : 'wan-link');
    const components = bench.stack.supervisor.components();
    const snapshot = (): Snapshot => ({
      at: performance.now(),
      activity: new Map(components.map((c) => [c.name, readProcessActivity(c.pid)])),
    });
    log(`idle: ${components.length} processes ready; settling ${options.warmupSec} s`);
    await wait(options.warmupSec, signal);
    const edges = [snapshot()];
    for (let round = 1; round <= options.rounds; round++) {
      await wait(options.durationSec, signal);
      edges.push(snapshot());
      const w = windowOf(edges.at(-2) as Snapshot, edges.at(-1) as Snapshot, hz);
      log(`idle: window ${round}/${options.rounds}: ${w.cores.toFixed(3)} core, ${Math.round(w.wakeupsPerSec)} wake-ups/s`);
    }
    const first = edges[0] as Snapshot;
    const last = edges.at(-1) as Snapshot;
    const seconds = (last.at - first.at) / 1000;
    const processes = components.map((c): IdleProcess => {
      const a = first.activity.get(c.name) as ProcessActivity;
      const b = last.activity.get(c.name) as ProcessActivity;
      return {
        id: c.name,
        kind: kindOf(c.name),
        pid: c.pid,
        cpuMsPerSec: (((b.ticks - a.ticks) / hz) * 1000) / seconds,
        wakeupsPerSec: Math.max(0, b.switches - a.switches) / seconds,
        rssBytes: b.rssBytes,
      };
    });
    const { name: _name, jsonPath: _json, ...runOptions } = options;
    return {
      benchmark: 'idle',
      description: DESCRIPTION,
      options: runOptions,
      clockTicksPerSecond: hz,
      goalCores: IDLE_GOAL_CORES,
      windows: edges.slice(1).map((e, i) => windowOf(edges[i] as Snapshot, e, hz)),
      total: { ...windowOf(first, last, hz), rssBytes: processes.reduce((sum, p) => sum + p.rssBytes, 0) },
      processes,
    };
  } finally {
    log('idle: stopping');
    await bench.stop();
  }
}

function windowOf(a: Snapshot, b: Snapshot, hz: number): IdleWindow {
  const seconds = (b.at - a.at) / 1000;
  let ticks = 0;
  let switches = 0;
  for (const [name, end] of b.activity) {
    const start = a.activity.get(name);
    if (!start) continue;
    ticks += end.ticks - start.ticks;
    switches += Math.max(0, end.switches - start.switches);
  }
  return { seconds, cores: ticks / hz / seconds, wakeupsPerSec: switches / seconds };
}

async function wait(seconds: number, signal: AbortSignal): Promise<void> {
  if (seconds <= 0) return;
  try {
    await sleep(seconds * 1000, undefined, { signal });
  } catch (err) {
    if (signal.aborted) throw new BenchAbortedError();
    throw err;
  }
}
