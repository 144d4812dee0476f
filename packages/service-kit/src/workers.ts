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

  /** Every live worker's report of `kind`, by slot; a worker that does not answer in time is left out. */
  gather<T>(kind: GatherKind): Promise<WorkerReport<T>[]> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, (reports) => resolve((reports as WorkerReport<T>[]).sort((a, b) => a.worker - b.worker)));
      process.send?.({ type: 'setgate:gather', id, kind } satisfies WorkerMessage);
    });
  }

  private async answer(id: number, kind: GatherKind): Promise<void> {
    let data: unknown = null;
    try {
      data = (await this.providers.get(kind)?.()) ?? null;
    } catch (err) {
      data = { error: (err as Error).message };
    }
    // The channel may have closed (the primary is gone, this worker is stopping): nothing to answer then.
    if (process.connected) process.send?.({ type: 'setgate:reported', id, worker: this.slot, data } satisfies WorkerMessage);
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
