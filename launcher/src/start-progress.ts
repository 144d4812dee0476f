import type { RunningComponent, SupervisorObserver } from '@setgate/process-supervisor';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * `npm start`'s progress while the stack comes up: one line per process as it reports
 * ready (with the CPU it used to get there), and every few seconds the ones still
 * starting, with what the slowest one is doing (its CPU time so far and the last thing
 * it logged), so a slow start on a busy machine is visible and attributable before any
 * deadline runs out.
 */
export class StartProgress implements SupervisorObserver {
  private readonly pending = new Map<string, RunningComponent>();
  private readonly began = performance.now();
  private up = 0;
  private readonly ticker: NodeJS.Timeout;

  constructor(
    private readonly total: number,
    private readonly write: (line: string) => void,
    intervalMs = 5000,
  ) {
    this.ticker = setInterval(() => this.report(), intervalMs);
    this.ticker.unref();
  }

  starting(component: RunningComponent): void {
    this.pending.set(component.name, component);
  }

  ready(component: RunningComponent): void {
    this.pending.delete(component.name);
    this.up += 1;
    const took = performance.now() - component.startedAt;
    // What the process had used to get there (read as its ready message arrives): a component should be ready in ≤ 1 s of CPU.
    const cpu = component.cpuSeconds();
    this.write(`  up ${component.name} (${this.up}/${this.total}, ready in ${seconds(took)}${cpu === undefined ? '' : `, ${cpu.toFixed(2)} s CPU`})`);
  }

  /** The processes still starting and what the one waited on longest is doing; nothing when none is. */
  report(): void {
    const waiting = [...this.pending.values()].filter((c) => c.running);
    const slowest = waiting.sort((a, b) => a.startedAt - b.startedAt)[0];
    if (!slowest) return;
    const now = performance.now();
    const cpu = slowest.cpuSeconds();
    const said = slowest.lastSaid();
    this.write(
      `  waiting (${seconds(now - this.began)}, ${this.up}/${this.total} up) for ${waiting.map((c) => c.name).join(', ')}; ` +
        `${slowest.name}: starting for ${seconds(now - slowest.startedAt)}${cpu === undefined ? '' : `, ${cpu.toFixed(1)} s CPU`}, ` +
        `last said ${said ? JSON.stringify(said) : 'nothing yet (loading its code)'}`,
    );
  }

  stop(): void {
    clearInterval(this.ticker);
  }
}
