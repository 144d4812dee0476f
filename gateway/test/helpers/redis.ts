import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { closedPort } from './upstream.js';

/** A redis-server of the test's own, on a free port; never the shared one on 6379. */
export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** Kills the server by its PID (SIGKILL: the way a crash looks). */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    s.once('error', () => resolve(false));
  });
}

async function launch(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    if (await ping(port)) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not start on port ${port}`);
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** Starts a redis-server; pair with `kill()` in an after hook. */
export async function startTestRedis(): Promise<TestRedis> {
  const port = await closedPort();
  let child: ChildProcess | undefined = await launch(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: async () => {
      await stop(child);
      child = undefined;
    },
    restart: async () => {
      await stop(child);
      child = await launch(port);
    },
  };
}
