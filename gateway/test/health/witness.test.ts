import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { NodePath } from '@setgate/contracts';
import Fastify from 'fastify';
import { registerWitness, WITNESS_PATH, type WitnessReport } from '../../src/health/witness.js';

/** Blocks this process's event loop, as a starved gateway's would be. */
function stall(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

test('a witness reports the stall its own checks ran through, and sees a live node as reachable', async () => {
  // A node whose health answer is held up by a stall of the witness's own loop (same process).
  const node = createServer((req, res) => {
    if (req.url === NodePath.health) stall(300);
    res.writeHead(200).end();
  });
  await new Promise<void>((r) => node.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(node.address() as AddressInfo).port}`;
  const admin = Fastify();
  registerWitness(admin, { id: 'gw-test', region: 'test-east', nodeUrl: (id) => (id === 'n1' ? url : undefined), secrets: undefined });
  try {
    const res = await admin.inject({ url: `${WITNESS_PATH}?nodes=n1,ghost&timeoutMs=10000` });
    assert.equal(res.statusCode, 200, res.body);
    const report = res.json() as WitnessReport;
    assert.equal(report.witness, 'gw-test');
    assert.deepEqual(
      report.observations.map((o) => [o.node, o.reachable, o.failure]),
      [
        ['n1', true, undefined],
        ['ghost', false, 'unknown-node'],
      ],
    );
    // The 300 ms stall happened while the question was answered: it is reported (at least most of it).
    assert.ok(report.lagMs >= 200, `lagMs ${report.lagMs}`);
  } finally {
    await admin.close();
    await new Promise<void>((r) => node.close(() => r()));
  }
});
