import { type ChildProcess, spawn } from 'node:child_process';

/** How long a baseline may take to listen: generous, a loaded machine starts a tsx process slowly. */
const READY_DEADLINE_MS = 60_000;

/** Spawns a baseline process (bare forward, bare refusal) and resolves once `ready` matches its stdout; killed if it never does. */
export async function spawnReady(cmd: string, args: string[], ready: RegExp, what: string): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let seen = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what} not ready in ${READY_DEADLINE_MS / 1000} s: ${seen}`)), READY_DEADLINE_MS);
      const onData = (d: Buffer) => {
        seen += d.toString();
        if (ready.test(seen)) {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          child.stdout?.resume();
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (d: Buffer) => {
        seen += d.toString();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${what} exited with ${code}: ${seen}`));
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return child;
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the child has exited. Safe on a child that already exited. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
