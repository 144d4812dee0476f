import type { ReadyMessage } from '@setgate/contracts';
import { type ComponentSpec, type RunningComponent, startComponent } from './component.js';

/** Told as each process is spawned and as it reports ready (`npm start`'s progress lines). */
export interface SupervisorObserver {
  starting?(component: RunningComponent): void;
  ready?(component: RunningComponent): void;
}

/**
 * Owns a group of component processes: starts them (in waves), stops them all,
 * and guarantees that a failed start leaves nothing behind.
 */
export class Supervisor {
  private readonly running = new Map<string, RunningComponent>();
  readonly ready = new Map<string, ReadyMessage>();

  constructor(private readonly observer: SupervisorObserver = {}) {}

  /** Starts specs concurrently; if any fails, stops everything started so far and rethrows. */
  async startAll(specs: readonly ComponentSpec[]): Promise<void> {
    const results = await Promise.allSettled(specs.map((s) => this.start(s)));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length > 0) {
      await this.stopAll();
      throw failures.length === 1 ? failures[0]?.reason : new AggregateError(failures.map((f) => f.reason), failures.map((f) => (f.reason as Error).message).join('\n'));
    }
  }

  async start(spec: ComponentSpec): Promise<RunningComponent> {
    const { component, ready } = await startComponent(spec, (c) => this.observer.starting?.(c));
    this.running.set(spec.name, component);
    this.ready.set(spec.name, ready);
    this.observer.ready?.(component);
    return component;
  }

  get(name: string): RunningComponent | undefined {
    return this.running.get(name);
  }

  components(): RunningComponent[] {
    return [...this.running.values()];
  }

  /** Starts again a component that was stopped or killed, with the same spec. */
  async restart(name: string): Promise<RunningComponent> {
    const old = this.running.get(name);
    if (!old) throw new Error(`unknown component ${name}`);
    await old.stop();
    return this.start(old.spec);
  }

  /** Stops every component (SIGTERM, then SIGKILL after the grace period). */
  async stopAll(graceMs = 5000): Promise<void> {
    await Promise.all([...this.running.values()].map((c) => c.stop(graceMs)));
    this.running.clear();
    this.ready.clear();
  }
}
