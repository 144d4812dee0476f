import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePorts } from './ports.js';

/** A redis-server of a test's or benchmark's own, on a free loopback port (never a shared one on 6379). */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** PID of the current process (changes on restart). */
  readonly pid: number;
  /** True while the server process runs. */
  running(): boolean;
  /** SIGKILL by PID, the way a crash looks; resolves once it has exited. Safe to call twice. */
  kill(): Promise<void>;
  /** Starts it again on the same port (killing the old process first if it still runs). */
  restart(): Promise<void>;
}

/** True when something on the port answers PING with PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
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
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const failed = new Promise<Error>((resolve) => child.once('error', resolve));
  for (let i = 0; i < 200; i++) {
    const err = await Promise.race([failed, sleep(50).then(() => undefined)]);
    if (err) throw new Error(`redis-server could not be started: ${err.message}`);
    if (child.exitCode !== null) break;
    if (await ping(port)) return child;
  }
  await stop(child);
  throw new Error(`redis-server did not answer on port ${port}`);
}

/** Starts a redis-server and waits until it answers PING; the caller kills it when done. */
export async function startRedisServer(): Promise<RedisServer> {
  const [port] = (await freePorts(1)) as [number];
  let child: ChildProcess | undefined = await launch(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid ?? -1;
    },
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
