import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BenchUsageError } from '../../src/bench/options.js';
import { benchmarkNames, loadBenchmark } from '../../src/bench/registry.js';

test('path is registered and declares a baseline among its configurations', async () => {
  assert.ok(benchmarkNames().includes('path'));
  const b = await loadBenchmark('path');
  assert.equal(b.name, 'path');
  assert.deepEqual(
    b.configurations.map((c) => c.name),
    ['direct', 'direct-no-hop-auth', 'full-path', 'full-path-no-hop-auth', 'full-path-no-observability', 'full-path-traced'],
  );
  assert.equal(b.baseline, 'direct');
  // The rows on side stacks (no hop auth, no observability, traced) do not run with --wan: the setup may leave them out.
  assert.deepEqual(
    b.configurations.filter((c) => c.optional).map((c) => c.name),
    ['direct-no-hop-auth', 'full-path-no-hop-auth', 'full-path-no-observability', 'full-path-traced'],
  );
});

test('an unknown name lists the choices', async () => {
  await assert.rejects(loadBenchmark('nope'), (err: unknown) => err instanceof BenchUsageError && /unknown benchmark "nope"; choose one of: .*path/.test(err.message));
  await assert.rejects(loadBenchmark('toString'), BenchUsageError);
});

test('wan is registered: each WAN row beside the same request without WAN', async () => {
  const b = await loadBenchmark('wan');
  assert.deepEqual(
    b.configurations.map((c) => c.name),
    ['write', 'write-wan', 'bounded-read', 'bounded-read-wan', 'leader-read', 'leader-read-wan'],
  );
  assert.equal(b.baseline, 'write');
});
