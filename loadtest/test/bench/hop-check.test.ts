import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatHopCheckTable, HOP_CHECK_GOAL_US, runHopCheck } from '../../src/bench/hop-check/hop-check-probe.js';

test('hop-check measures both listeners with the secret and without, paired, and tabulates them against the goal', { timeout: 300_000 }, async () => {
  const result = await runHopCheck(4, new AbortController().signal);
  assert.deepEqual(
    result.checks.map((c) => [c.check, c.pairs, c.perBatch]),
    [
      ['gateway', 4, 500],
      ['node', 4, 500],
    ],
  );
  for (const c of result.checks) {
    // Real requests over loopback: tens of µs each, never zero.
    assert.ok(c.withSecretUs > 1 && c.withoutSecretUs > 1, `${c.check}: ${c.withSecretUs} / ${c.withoutSecretUs} µs`);
    assert.ok(Number.isFinite(c.differenceUs) && c.differenceP10Us <= c.differenceUs && c.differenceUs <= c.differenceP90Us, JSON.stringify(c));
    assert.ok(c.differenceCi95Us[0] <= c.differenceUs && c.differenceUs <= c.differenceCi95Us[1], JSON.stringify(c));
  }
  const table = formatHopCheckTable(result);
  assert.match(table, /^check\s+with secret µs\/req/m);
  assert.match(table, new RegExp(`goal ≤ ${HOP_CHECK_GOAL_US} µs`));
  assert.match(table, /^gateway .*(met|NOT met)$/m);
  assert.match(table, /^node .*(met|NOT met)$/m);
});
