import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePorts } from '@setgate/process-supervisor';

/** A private redis-server for one test file, on a free port; never the shared one on 6379. */
export interface TestRedis {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Kills the server by its PID and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts `redis-server` without persistence (or with an AOF when `dir` is given) and waits until it answers PING. */
export async function startRedis(opts: { dir?: string } = {}): Promise<TestRedis> {
  const [port] = await freePorts(1);
  if (!port) throw new Error('no free port');
  const persistence = opts.dir ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', opts.dir] : ['--appendonly', 'no'];
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const deadline = Date.now() + 10000;
  while (!(await pings(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`redis-server on port ${port} did not start`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid ?? -1, stop };
}

function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
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
