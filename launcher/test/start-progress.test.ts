import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RunningComponent, Supervisor } from '@setgate/process-supervisor';
import { StartProgress } from '../src/start-progress.js';

const FIXTURE = new URL('./start-progress-fixture.ts', import.meta.url).pathname;

async function until(check: () => boolean, what: string, lines: readonly string[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; printed:\n${lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('npm start progress', () => {
  it('prints each process as it comes up, and while waiting names the ones still starting and what the slowest is doing', async () => {
    const lines: string[] = [];
    const progress = new StartProgress(2, (l) => lines.push(l), 100);
    // The test also keeps each process as it is spawned, to tell it when to be ready (SIGUSR2).
    const spawned = new Map<string, RunningComponent>();
    const supervisor = new Supervisor({
      starting: (c) => {
        spawned.set(c.name, c);
        progress.starting(c);
      },
      ready: (c) => progress.ready(c),
    });
    const started = supervisor.startAll(['slow-1', 'slow-2'].map((name) => ({ name, entry: FIXTURE, args: [name], readyTimeoutMs: 180_000 })));
    try {
      await until(
        () => lines.some((l) => /^ {2}waiting \(\d+\.\d s, 0\/2 up\) for slow-1, slow-2; slow-1: starting for \d+\.\d s, \d+\.\d s CPU, last said "replaying the log"$/.test(l)),
        'a waiting line naming both and what slow-1 does',
        lines,
      );
      // Signal only once it said it (its SIGUSR2 handler is then in place).
      await until(() => spawned.get('slow-2')?.lastSaid() === 'replaying the log', 'slow-2 logging', lines);
      spawned.get('slow-2')?.kill('SIGUSR2');
      await until(() => lines.some((l) => /^ {2}up slow-2 \(1\/2, ready in \d+\.\d s, \d+\.\d\d s CPU\)$/.test(l)), 'slow-2 up', lines);
      const upAt = lines.length;
      await until(() => lines.slice(upAt).some((l) => /^ {2}waiting \(\d+\.\d s, 1\/2 up\) for slow-1; slow-1: /.test(l)), 'a waiting line for slow-1 alone', lines);
      spawned.get('slow-1')?.kill('SIGUSR2');
      await started;
      assert.match(lines.at(-1) ?? '', /^ {2}up slow-1 \(2\/2, ready in \d+\.\d s, \d+\.\d\d s CPU\)$/);
    } finally {
      progress.stop();
      await started.catch(() => {});
      await supervisor.stopAll();
    }
  });
});
