import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatObservabilityTable, runObservabilityProbe } from '../../src/bench/observability/observability-probe.js';

test('the observability probe builds the read chain in two processes, metrics and tracing on and off, pairs their batches over couples, and exports spans', { timeout: 600_000 }, async () => {
  // Two couples of one pair each, barely warmed: what the probe does, not what it measures.
  const result = await runObservabilityProbe(2, new AbortController().signal, ['path'], { perBatch: 50, couples: 2, warmUpRequests: 100 });
  assert.deepEqual(
    result.subjects.map((s) => [s.subject, s.pairs, s.perBatch, s.coupleDifferencesUs.length]),
    [['path', 2, 50, 2]],
  );
  for (const s of result.subjects) {
    // Real reads through real components over loopback: tens of µs at least, never zero.
    assert.ok(s.onUs > 10 && s.offUs > 10, `${s.subject}: ${s.onUs} / ${s.offUs} µs`);
    assert.ok(s.differenceCi95Us[0] <= s.differenceUs && s.differenceUs <= s.differenceCi95Us[1], JSON.stringify(s));
  }
  // The builds with tracing on exported to the sink (the off builds cannot: their SDK is disabled).
  assert.ok(result.exportsReceived.requests > 0, JSON.stringify(result.exportsReceived));
  const table = formatObservabilityTable(result);
  assert.match(table, /^subject\s+on CPU µs\/req\s+off CPU µs\/req/m);
  assert.match(table, /over 2 couples of processes, each warmed up with 100 requests/);
  assert.match(table, /^path\s+\d/m);
});
