import { randomUUID } from 'node:crypto';
import type { Problem } from '@setgate/contracts';
import { toSetgateError } from '@setgate/service-kit';

/** One step of a long operation, as the CLI shows it. */
export interface OperationStep {
  readonly at: string;
  readonly message: string;
}

/** A long-running ops action (shard move, drain): poll it for progress and its result. */
export interface OperationView {
  readonly id: string;
  readonly kind: string;
  readonly author: string;
  readonly state: 'running' | 'succeeded' | 'failed';
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly steps: readonly OperationStep[];
  readonly result?: unknown;
  readonly error?: Problem;
}

type Progress = (message: string) => void;
const KEEP = 100;

/**
 * Runs leadership operations one at a time (two switchovers must not fence
 * the same shard twice) and keeps the last few for polling.
 */
export class Operations {
  private readonly ops = new Map<string, OperationView>();
  /** The thrown error of each failed operation, for runExclusive to rethrow as it was. */
  private readonly errors = new Map<string, unknown>();
  private running: string | undefined;

  /** The running operation's id, if any. */
  get busy(): string | undefined {
    return this.running;
  }

  /** Starts `work` in the background and returns its first view. */
  start(kind: string, author: string, work: (progress: Progress) => Promise<unknown>): OperationView {
    const id = randomUUID();
    let view: OperationView = { id, kind, author, state: 'running', startedAt: new Date().toISOString(), steps: [] };
    const set = (v: OperationView) => {
      view = v;
      this.ops.set(id, v);
    };
    set(view);
    this.running = id;
    const progress: Progress = (message) => set({ ...view, steps: [...view.steps, { at: new Date().toISOString(), message }] });
    void work(progress).then(
      (result) => set({ ...view, state: 'succeeded', finishedAt: new Date().toISOString(), result }),
      (err: unknown) => {
        this.errors.set(id, err);
        set({ ...view, state: 'failed', finishedAt: new Date().toISOString(), error: toSetgateError(err).toProblem() });
      },
    ).finally(() => {
      this.running = undefined;
      this.trim();
    });
    return view;
  }

  /**
   * Runs `work` now, in the caller's request, as the one running leadership
   * operation (apply and rollback that move leaders answer when done);
   * SETGATE_CP_OPERATION_BUSY-style refusal is the caller's, via `busy`.
   */
  async runExclusive<T>(kind: string, author: string, work: (progress: Progress) => Promise<T>): Promise<T> {
    const view = this.start(kind, author, work);
    const done = await this.settle(view.id);
    if (done?.state === 'succeeded') return done.result as T;
    throw this.errors.get(view.id) ?? new Error(done?.error?.detail ?? 'operation failed');
  }

  get(id: string): OperationView | undefined {
    return this.ops.get(id);
  }

  /** Resolves once the operation has finished (tests, and `?wait=true`). */
  async settle(id: string, pollMs = 20): Promise<OperationView | undefined> {
    for (;;) {
      const v = this.ops.get(id);
      if (v?.state !== 'running') return v;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  private trim(): void {
    for (const id of this.ops.keys()) {
      if (this.ops.size <= KEEP) return;
      if (id === this.running) continue;
      this.ops.delete(id);
      this.errors.delete(id);
    }
  }
}
