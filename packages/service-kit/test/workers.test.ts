import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { processAlive } from '@setgate/process-supervisor';
import { MAX_WORKERS, workerCount, workerShare } from '../src/workers.js';

test('SETGATE_WORKERS: unset is one process, auto one per core, a bad value is refused by name', () => {
  assert.equal(workerCount({}), 1);
  assert.equal(workerCount({ SETGATE_WORKERS: ' ' }), 1);
  assert.equal(workerCount({ SETGATE_WORKERS: 'auto' }), Math.min(MAX_WORKERS, availableParallelism()));
  assert.equal(workerCount({ SETGATE_WORKERS: '3' }), 3);
  for (const bad of ['0', '-1', '1.5', 'two', String(MAX_WORKERS + 1)]) {
    assert.throws(() => workerCount({ SETGATE_WORKERS: bad }), /SETGATE_WORKERS must be "auto" or a whole number from 1 to 64/);
  }
});

test('a budget is shared among workers so the process keeps it, never below one each', () => {
  assert.equal(workerShare(256, 1), 256);
  assert.equal(workerShare(256, 2), 128);
  assert.equal(workerShare(64, 3), 22);
  assert.equal(workerShare(1, 4), 1);
  assert.equal(workerShare(10, 0), 10);
});

const FIXTURE = new URL('./fixtures/workers-main.ts', import.meta.url).pathname;

interface Primary {
  readonly child: ChildProcess;
  readonly readies: unknown[];
  /** Worker pids by slot, as the workers printed them. */
  readonly workers: Map<number, number>;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  output(): string;
}

function startPrimary(env: Record<string, string>): Primary {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, '--id', 'fixture'], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, ...env },
  });
  const readies: unknown[] = [];
  const workers = new Map<number, number>();
  let out = '';
  child.on('message', (m) => readies.push(m));
  const take = (d: Buffer) => {
    out += d.toString();
    for (const m of out.matchAll(/worker (\d+) pid (\d+)/g)) workers.set(Number(m[1]), Number(m[2]));
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return { child, readies, workers, exited, output: () => out };
}

const alive = processAlive;

/** Waits for a state, polling; the deadline is generous (a busy machine starts processes slowly). */
async function until(what: string, check: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('the primary reports ready once, when every worker is, and SIGTERM stops it and every worker', async () => {
  const p = startPrimary({ SETGATE_WORKERS: '2' });
  try {
    await until('the ready report', () => p.readies.length > 0);
    assert.equal(p.workers.size, 2, p.output());
    assert.deepEqual(p.readies, [{ type: 'setgate:ready', id: 'fixture', kind: 'gateway', url: 'http://127.0.0.1:1', adminUrl: 'http://127.0.0.1:2' }]);
    const pids = [...p.workers.values()];
    p.child.kill('SIGTERM');
    assert.deepEqual(await p.exited, { code: 0, signal: null });
    await until('the workers to be gone', () => pids.every((pid) => !alive(pid)));
  } finally {
    p.child.kill('SIGKILL');
  }
});

test('a worker that dies before it was ready stops the component with its exit code, never reporting ready', async () => {
  const p = startPrimary({ SETGATE_WORKERS: '2', FIXTURE_FAIL_SLOT: '2' });
  try {
    assert.deepEqual(await p.exited, { code: 7, signal: null });
    assert.deepEqual(p.readies, []);
    assert.match(p.output(), /worker 2 exited before it was ready \(code 7/);
    await until('worker 1 to be gone', () => [...p.workers.values()].every((pid) => !alive(pid)));
  } finally {
    p.child.kill('SIGKILL');
  }
});

test('a bad SETGATE_WORKERS is refused at start with exit 2, naming the variable', async () => {
  const p = startPrimary({ SETGATE_WORKERS: 'many' });
  assert.deepEqual(await p.exited, { code: 2, signal: null });
  assert.match(p.output(), /SETGATE_WORKERS must be "auto" or a whole number/);
});
