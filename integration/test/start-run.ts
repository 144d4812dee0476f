import { type ChildProcess, spawn } from 'node:child_process';
import { START_SCRIPT } from './harness.js';

/** `npm start`'s script (compiled) running as a child, its output collected. */
export interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export function runStart(configPath: string, dataDir: string, args: readonly string[] = []): Run {
  const child = spawn(process.execPath, [START_SCRIPT, ...args], {
    env: { ...process.env, SETGATE_CONFIG: configPath, SETGATE_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c) => {
    out += c;
  });
  child.stderr?.on('data', (c) => {
    err += c;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Resolves once stdout matches `re`; throws with the output if the process exits or `timeoutMs` passes first. */
export async function waitFor(run: Run, re: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!re.test(run.stdout())) {
    if (run.child.exitCode !== null) throw new Error(`start exited early:\n${run.stdout()}\n${run.stderr()}`);
    if (Date.now() > deadline) throw new Error(`no ${re} after ${timeoutMs} ms:\n${run.stdout()}\n${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
