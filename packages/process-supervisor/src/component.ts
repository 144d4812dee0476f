import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { isReadyMessage, type ReadyMessage } from '@setgate/contracts';
import { nodeArgsFor } from './node-args.js';
import { clockTicksPerSecond, readProcessTicks } from './proc-cpu.js';

/** What to start: an entry module (compiled JavaScript, or TypeScript run through tsx), with its arguments. */
export interface ComponentSpec {
  /** Instance id, used in messages. */
  readonly name: string;
  /** Absolute path of the entry module. */
  readonly entry: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Where stdout and stderr go; omitted: kept only as a tail for error messages. */
  readonly logFile?: string;
  /** How long to wait for the ready message. */
  readonly readyTimeoutMs?: number;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const TAIL_BYTES = 4096;

/** A started component process. */
export class RunningComponent {
  readonly exited: Promise<ExitInfo>;
  /** When it was spawned (performance.now()), for "waiting for X (12 s)" messages. */
  readonly startedAt = performance.now();
  private exitInfo: ExitInfo | undefined;
  private tail = '';
  private log: WriteStream | undefined;

  constructor(
    readonly spec: ComponentSpec,
    readonly child: ChildProcess,
  ) {
    if (spec.logFile) {
      mkdirSync(dirname(spec.logFile), { recursive: true });
      this.log = createWriteStream(spec.logFile, { flags: 'a' });
    }
    const keep = (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
      this.log?.write(chunk);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // A child killed with output still in flight can reset its end of the pipe (ECONNRESET on read):
    // the output is lost either way, and an unhandled 'error' would take the supervising process down.
    const ignore = () => undefined;
    child.stdout?.on('error', ignore);
    child.stderr?.on('error', ignore);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        this.log?.end();
        resolve(this.exitInfo);
      });
    });
  }

  get name(): string {
    return this.spec.name;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** How it ended; undefined while it runs. */
  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** Last few KiB of the process's output, for error reports. */
  outputTail(): string {
    return this.tail;
  }

  /** What it said last: the `msg` of its last JSON log line, else that line as it is ('' before any output). */
  lastSaid(): string {
    const line = this.tail.trimEnd().split('\n').pop()?.trim() ?? '';
    try {
      const msg = (JSON.parse(line) as { msg?: unknown }).msg;
      if (typeof msg === 'string') return msg;
    } catch {
      // Not a JSON log line (a stack trace, a warning): shown as it is.
    }
    return line.length > 200 ? `${line.slice(0, 200)}…` : line;
  }

  /** CPU seconds it has used so far (user + system), or undefined where /proc cannot tell. */
  cpuSeconds(): number | undefined {
    try {
      return readProcessTicks(this.pid) / clockTicksPerSecond();
    } catch {
      return undefined;
    }
  }

  /** Sends a signal now (SIGKILL for crash drills). */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
  async stop(graceMs = 5000): Promise<ExitInfo> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const info = await this.exited;
    clearTimeout(timer);
    return info;
  }
}

/** Why a component did not become ready. */
export class ComponentStartError extends Error {
  constructor(
    readonly component: string,
    readonly reason: string,
    readonly output: string,
    /** True when it was still starting at its ready deadline (rather than exiting or failing to spawn). */
    readonly timedOut = false,
  ) {
    super(`${component} failed to start: ${reason}${output ? `\n--- ${component} output ---\n${output.trimEnd()}` : ''}`);
    this.name = 'ComponentStartError';
  }
}

/**
 * Node flags for every component from SETGATE_NODE_ARGS (space-separated), e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile a stack: Node refuses
 * profiling flags in NODE_OPTIONS, so they have to reach the command line.
 */
function extraNodeArgs(): string[] {
  return (process.env.SETGATE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
}

/** How long a component may take to report ready when its spec does not say. */
export const DEFAULT_READY_TIMEOUT_MS = 30_000;

/**
 * Why a component missed its deadline, in terms a user can act on: how much CPU it got
 * (little CPU on a busy machine: the machine is slow, give it longer; much CPU: it is stuck
 * working) and the last thing it said.
 */
function notReadyReason(component: RunningComponent, timeoutMs: number): string {
  const cpu = component.cpuSeconds();
  const load = loadavg()[0] ?? 0;
  const used = cpu === undefined ? '' : `, using ${cpu.toFixed(1)} s of CPU in that time`;
  const said = component.lastSaid();
  return `not ready after ${timeoutMs} ms${used} (load average ${load.toFixed(1)} on ${availableParallelism()} cores); it last said: ${said ? JSON.stringify(said) : 'nothing yet (loading its code)'}`;
}

/**
 * Spawns one component and resolves once it reports ready over IPC.
 * Rejects, with the process's reason and output, if it exits or times out first
 * (and then makes sure it is gone). `onSpawned` sees the process while it starts
 * (progress displays).
 */
export async function startComponent(
  spec: ComponentSpec,
  onSpawned?: (component: RunningComponent) => void,
): Promise<{ component: RunningComponent; ready: ReadyMessage }> {
  const child = spawn(process.execPath, [...extraNodeArgs(), ...nodeArgsFor(spec.entry), spec.entry, ...(spec.args ?? [])], {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const component = new RunningComponent(spec, child);
  onSpawned?.(component);
  const timeoutMs = spec.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  let timedOut = false;
  try {
    const ready = await new Promise<ReadyMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        timedOut = true;
        reject(new Error(notReadyReason(component, timeoutMs)));
      }, timeoutMs);
      child.on('message', (m) => {
        if (isReadyMessage(m)) {
          clearTimeout(timer);
          resolve(m);
        }
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      void component.exited.then((info) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${info.signal ?? `code ${info.code}`} before it was ready`));
      });
    });
    return { component, ready };
  } catch (err) {
    await component.stop(1000);
    throw new ComponentStartError(spec.name, (err as Error).message, component.outputTail(), timedOut);
  }
}
