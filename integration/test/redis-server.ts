import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePorts } from '@setgate/process-supervisor';

/** A redis-server of the test's own on a free loopback port (never a shared one on 6379). */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** True while the server process runs. */
  running(): boolean;
  /** SIGKILL by PID, the way a crash looks; resolves once it has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port (killing the old process first if it still runs). */
  restart(): Promise<void>;
}

/** True when something on the port answers PING with PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, 500);
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => {
      clearTimeout(timer);
      s.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    s.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** No persistence: a restarted server comes back empty, as a crashed cache would. */
async function launch(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
    { stdio: 'ignore' },
  );
  const failed = new Promise<Error>((resolve) => child.once('error', resolve));
  for (let i = 0; i < 100; i++) {
    const err = await Promise.race([failed, sleep(50).then(() => undefined)]);
    if (err) throw new Error(`redis-server could not be started: ${err.message}`);
    if (child.exitCode !== null) break;
    if (await ping(port)) return child;
  }
  await stop(child);
  throw new Error(`redis-server did not answer on port ${port}`);
}

/** Starts a redis-server; the caller kills it in an after hook (kill() is safe to call twice). */
export async function startRedisServer(): Promise<RedisServer> {
  const [port] = (await freePorts(1)) as [number];
  let child: ChildProcess | undefined = await launch(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    kill: async () => {
      await stop(child);
      child = undefined;
    },
    restart: async () => {
      await stop(child);
      child = undefined;
      child = await launch(port);
    },
  };
}
