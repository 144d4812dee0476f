import cluster, { type Worker } from 'node:cluster';
import { parseArgs } from 'node:util';
import type { ReadyMessage } from '@setgate/contracts';
import { removeReadyFile, writeReadyFile } from './ready-file.js';
import { isWorkerMessage, WORKER_SLOT_ENV, type WorkerMessage, type WorkerReport, workerCount } from './workers.js';

/** A worker's ready message, with the admin URL it reaches itself at (for the ready file). */
export interface WorkerReady {
  readonly type: 'setgate:worker-ready';
  readonly ready: ReadyMessage;
  readonly localAdminUrl: string;
}

export function isWorkerReady(m: unknown): m is WorkerReady {
  return (m as { type?: unknown } | null)?.type === 'setgate:worker-ready';
}

export interface PrimaryOptions {
  readonly id: string;
  readonly kind: ReadyMessage['kind'];
  readonly workers: number;
  /** Environment every worker gets on top of this process's (a secret the workers must share). */
  readonly workerEnv?: Record<string, string>;
  /** How long a gather waits for the slowest worker. Default 3 s. */
  readonly gatherTimeoutMs?: number;
}

/** How long stopping workers get before they are killed: runComponent's own deadline is 10 s. */
const STOP_GRACE_MS = 12_000;
const RESTART_MIN_MS = 250;
const RESTART_MAX_MS = 10_000;
/** A worker that served this long before dying starts the backoff over. */
const STABLE_MS = 30_000;

/**
 * The primary of a component that runs several workers. It serves no traffic:
 * it forks one worker per slot (each listens on the component's ports itself,
 * SO_REUSEPORT), tells its supervisor the component is ready once every worker
 * is, relays the workers' gathers (metrics and status for whichever worker a
 * scrape reaches), replaces a worker that dies, and stops them all on SIGTERM,
 * SIGINT or its supervisor's going away. A worker that dies before it was ever
 * ready (a bad config, a taken port) stops the whole component with its exit code.
 */
export async function runPrimary(opts: PrimaryOptions): Promise<void> {
  const primary = new Primary(opts);
  process.once('SIGTERM', () => primary.stop());
  process.once('SIGINT', () => primary.stop());
  // A supervisor that dies without signalling must not leave the workers behind (nor one that died
  // before this listener existed).
  process.once('disconnect', () => primary.stop());
  if (process.send !== undefined && !process.connected) {
    primary.stop();
    return;
  }
  for (let slot = 1; slot <= opts.workers; slot++) primary.fork(slot);
}

class Primary {
  private readonly slots = new Map<number, Worker>();
  private readonly everReady = new Set<number>();
  private readonly restarts = new Map<number, number>();
  private readonly readyAt = new Map<number, number>();
  private readonly relay: GatherRelay;
  private stopping = false;
  private announced = false;
  private exitCode = 0;

  constructor(private readonly opts: PrimaryOptions) {
    this.relay = new GatherRelay(this.slots, opts.gatherTimeoutMs ?? 3000);
  }

  fork(slot: number): void {
    const worker = cluster.fork({ ...this.opts.workerEnv, [WORKER_SLOT_ENV]: String(slot) });
    this.slots.set(slot, worker);
    worker.on('message', (m: unknown) => {
      if (isWorkerReady(m)) this.ready(slot, m);
      else if (isWorkerMessage(m)) this.relay.onMessage(worker, m);
    });
    worker.once('exit', (code, signal) => this.exited(slot, worker, code, signal));
  }

  stop(code = 0): void {
    if (this.stopping) return;
    this.stopping = true;
    this.exitCode = code;
    removeReadyFile();
    if (this.slots.size === 0) process.exit(code);
    for (const w of this.slots.values()) w.process.kill('SIGTERM');
    setTimeout(() => {
      for (const w of this.slots.values()) w.process.kill('SIGKILL');
      process.exit(code === 0 ? 1 : code);
    }, STOP_GRACE_MS).unref();
  }

  private ready(slot: number, m: WorkerReady): void {
    this.everReady.add(slot);
    this.readyAt.set(slot, Date.now());
    if (this.announced || this.everReady.size < this.opts.workers) return;
    this.announced = true;
    writeReadyFile(m.localAdminUrl);
    this.log(30, `${this.opts.kind} ${this.opts.id} ready with ${this.opts.workers} workers`, { url: m.ready.url, adminUrl: m.ready.adminUrl });
    process.send?.(m.ready);
  }

  private exited(slot: number, worker: Worker, code: number | null, signal: string | null): void {
    if (this.slots.get(slot) === worker) this.slots.delete(slot);
    this.relay.forget(slot);
    if (this.stopping) {
      if (this.slots.size === 0) process.exit(this.exitCode);
      return;
    }
    if (!this.everReady.has(slot)) {
      this.log(50, `worker ${slot} exited before it was ready (code ${code}, signal ${signal}): stopping`, { worker: slot });
      this.stop(typeof code === 'number' && code !== 0 ? code : 1);
      return;
    }
    // A worker that keeps dying soon after its start is restarted less and less often (250 ms doubling to 10 s).
    if (Date.now() - (this.readyAt.get(slot) ?? 0) >= STABLE_MS) this.restarts.delete(slot);
    const n = (this.restarts.get(slot) ?? 0) + 1;
    this.restarts.set(slot, n);
    const delayMs = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** (n - 1));
    this.log(40, `worker ${slot} exited (code ${code}, signal ${signal}); restarting it in ${delayMs} ms`, { worker: slot });
    setTimeout(() => {
      if (!this.stopping) this.fork(slot);
    }, delayMs).unref();
  }

  /** A log line shaped like the workers' (pino's JSON), without a logger of its own to start. */
  private log(level: number, msg: string, extra: Record<string, unknown> = {}): void {
    const line = { level, time: Date.now(), service: this.opts.kind, instance: this.opts.id, role: 'primary', ...extra, msg };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}

/** Relays a worker's gather to every live worker and answers it with their reports (a slow one is left out). */
class GatherRelay {
  private readonly pending = new Map<number, { asker: Worker; askerId: number; reports: WorkerReport[]; expected: Set<number>; timer: NodeJS.Timeout }>();
  private nextId = 1;

  constructor(
    private readonly slots: ReadonlyMap<number, Worker>,
    private readonly timeoutMs: number,
  ) {}

  onMessage(worker: Worker, m: WorkerMessage): void {
    if (m.type === 'setgate:gather') {
      const id = this.nextId++;
      const live = [...this.slots.entries()].filter(([, w]) => w.isConnected());
      const timer = setTimeout(() => this.finish(id), this.timeoutMs);
      this.pending.set(id, { asker: worker, askerId: m.id, reports: [], expected: new Set(live.map(([s]) => s)), timer });
      for (const [, w] of live) w.send({ type: 'setgate:report', id, kind: m.kind } satisfies WorkerMessage);
      if (live.length === 0) this.finish(id);
    } else if (m.type === 'setgate:reported') {
      const g = this.pending.get(m.id);
      if (g === undefined || !g.expected.delete(m.worker)) return;
      g.reports.push({ worker: m.worker, data: m.data });
      if (g.expected.size === 0) this.finish(m.id);
    }
  }

  /** A worker gone: no gather waits for it. */
  forget(slot: number): void {
    for (const [id, g] of this.pending) {
      g.expected.delete(slot);
      if (g.expected.size === 0) this.finish(id);
    }
  }

  private finish(id: number): void {
    const g = this.pending.get(id);
    if (g === undefined) return;
    this.pending.delete(id);
    clearTimeout(g.timer);
    if (g.asker.isConnected()) g.asker.send({ type: 'setgate:gathered', id: g.askerId, reports: g.reports } satisfies WorkerMessage);
  }
}

/**
 * A component's process entry: with `SETGATE_WORKERS` above 1 this process
 * becomes the primary and forks the workers, each of which (like a process
 * that runs alone) imports `start`, the component itself.
 */
export async function componentMain(
  kind: ReadyMessage['kind'],
  start: () => Promise<unknown>,
  opts: { workerEnv?: () => Record<string, string> } = {},
): Promise<void> {
  let workers: number;
  try {
    workers = cluster.isWorker ? 1 : workerCount();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  if (workers <= 1) {
    await start();
    return;
  }
  const { values } = parseArgs({ args: process.argv.slice(2), options: { id: { type: 'string' } }, strict: false });
  const id = typeof values.id === 'string' ? values.id : kind;
  await runPrimary({ id, kind, workers, ...(opts.workerEnv ? { workerEnv: opts.workerEnv() } : {}) });
}
