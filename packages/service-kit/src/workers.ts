import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { WORKERS_ENV } from '@setgate/contracts';

export { WORKERS_ENV };
/** Set by the primary on each worker it forks: the worker's slot, 1..N. */
export const WORKER_SLOT_ENV = 'SETGATE_WORKER_SLOT';
/** More workers than this is a typo, not a machine. */
export const MAX_WORKERS = 64;

/** The worker count `SETGATE_WORKERS` asks for; a bad value throws, naming it. */
export function workerCount(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[WORKERS_ENV]?.trim();
  if (raw === undefined || raw === '') return 1;
  if (raw === 'auto') return Math.min(MAX_WORKERS, availableParallelism());
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw new Error(`${WORKERS_ENV} must be "auto" or a whole number from 1 to ${MAX_WORKERS}, got "${raw}"`);
  }
  return n;
}

/** This process's worker slot (1..N) when it is a worker of a primary; undefined when it runs alone. */
export function workerSlot(env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (!cluster.isWorker) return undefined;
  const slot = Number(env[WORKER_SLOT_ENV]);
  return Number.isInteger(slot) && slot >= 1 ? slot : undefined;
}

/**
 * Per-process budgets (in-flight caps, a client's slots, local rate limits)
 * divided among the workers: each worker enforces its share, so the process
 * as a whole keeps the configured figure. The kernel spreads connections
 * evenly (SO_REUSEPORT), and a client's connections with them.
 */
export function workerShare(budget: number, workers: number): number {
  return Math.max(1, Math.ceil(budget / Math.max(1, workers)));
}

/** Longer than the primary's own wait for the slowest worker (3 s), so its answer normally comes first. */
const GATHER_TIMEOUT_MS = 5000;

/** What a worker asks its siblings for: each answers with its own part. */
export type GatherKind = 'metrics' | 'status';

/** One worker's answer to a gather. */
export interface WorkerReport<T = unknown> {
  readonly worker: number;
  readonly data: T;
}

/** IPC between a worker and its primary (the primary relays a gather to every worker). */
export type WorkerMessage =
  | { readonly type: 'setgate:gather'; readonly id: number; readonly kind: GatherKind }
  | { readonly type: 'setgate:report'; readonly id: number; readonly kind: GatherKind }
  | { readonly type: 'setgate:reported'; readonly id: number; readonly worker: number; readonly data: unknown }
  | { readonly type: 'setgate:gathered'; readonly id: number; readonly reports: WorkerReport[] };

export function isWorkerMessage(m: unknown): m is WorkerMessage {
  const type = (m as { type?: unknown } | null)?.type;
  return typeof type === 'string' && ['setgate:gather', 'setgate:report', 'setgate:reported', 'setgate:gathered'].includes(type);
}

/**
 * A worker's side of gathering: it answers its siblings' gathers with what its
 * providers return, and gathers theirs (its own included) through the primary,
 * so whichever worker the kernel hands a `/metrics` or `/status` request to
 * answers for the whole process.
 */
export class WorkerPeers {
  private readonly providers = new Map<GatherKind, () => unknown>();
  private readonly waiting = new Map<number, (reports: WorkerReport[]) => void>();
  private nextId = 1;

  constructor(readonly slot: number) {
    process.on('message', (m: unknown) => {
      if (!isWorkerMessage(m)) return;
      if (m.type === 'setgate:report') void this.answer(m.id, m.kind);
      else if (m.type === 'setgate:gathered') {
        this.waiting.get(m.id)?.(m.reports);
        this.waiting.delete(m.id);
      }
    });
  }

  /** What this worker reports when a sibling gathers `kind`. */
  provide(kind: GatherKind, provider: () => unknown): void {
    this.providers.set(kind, provider);
  }

  /**
   * Every live worker's report of `kind`, by slot; a worker that does not answer in time is left out.
   * With no primary to ask (it is gone, this worker is stopping) or none answering, this worker's own.
   */
  async gather<T>(kind: GatherKind): Promise<WorkerReport<T>[]> {
    if (!process.connected) return [await this.own<T>(kind)];
    const id = this.nextId++;
    const reports = await new Promise<WorkerReport[] | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(undefined);
      }, GATHER_TIMEOUT_MS);
      this.waiting.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      process.send?.({ type: 'setgate:gather', id, kind } satisfies WorkerMessage, undefined, {}, (err: Error | null) => {
        if (err) this.waiting.get(id)?.([]);
      });
    });
    if (reports === undefined || reports.length === 0) return [await this.own<T>(kind)];
    return (reports as WorkerReport<T>[]).sort((a, b) => a.worker - b.worker);
  }

  private async own<T>(kind: GatherKind): Promise<WorkerReport<T>> {
    return { worker: this.slot, data: (await this.providers.get(kind)?.()) as T };
  }

  private async answer(id: number, kind: GatherKind): Promise<void> {
    let data: unknown = null;
    try {
      data = (await this.providers.get(kind)?.()) ?? null;
    } catch (err) {
      data = { error: (err as Error).message };
    }
    // The channel may have closed (the primary is gone, this worker is stopping): nothing to answer then.
    if (process.connected) process.send?.({ type: 'setgate:reported', id, worker: this.slot, data } satisfies WorkerMessage, undefined, {}, () => {});
  }
}

let peers: WorkerPeers | undefined;

/** This worker's peers, made on first use; undefined in a process that runs alone. */
export function workerPeers(): WorkerPeers | undefined {
  const slot = workerSlot();
  if (slot === undefined) return undefined;
  peers ??= new WorkerPeers(slot);
  return peers;
}
