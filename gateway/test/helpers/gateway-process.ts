import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedTopology } from '@setgate/config';
import { isReadyMessage } from '@setgate/contracts';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;

/** A gateway running as its own process (gateway/src/main.ts), as in production. */
export interface GatewayProcess {
  readonly url: string;
  readonly adminUrl: string;
  readonly pid: number;
  /** True while the process has not exited. */
  alive(): boolean;
  /** Stops it by PID (SIGTERM, then SIGKILL after 5 s) and removes its config. */
  close(): Promise<void>;
}

/** Writes `topology` to a temp file and starts gateway `id` from it; resolves once it reports ready. */
export async function startGatewayProcess(topology: LoadedTopology, id: string): Promise<GatewayProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'setgate-gw-'));
  const config = join(dir, 'topology.json');
  writeFileSync(config, JSON.stringify(topology));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN, '--id', id, '--config', config], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, SETGATE_LOG_LEVEL: 'error' },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ready = await new Promise<{ url: string; adminUrl: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gateway ${id} not ready in 20 s: ${stderr}`)), 20000);
      child.on('message', (m) => {
        if (isReadyMessage(m)) {
          clearTimeout(timer);
          resolve(m);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`gateway ${id} exited with ${code}: ${stderr}`));
      });
    });
    return { ...ready, pid: child.pid as number, alive: () => child.exitCode === null && child.signalCode === null, close };
  } catch (err) {
    await close();
    throw err;
  }
}
