import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DOCUMENT_LIMITS, documentLimitProblem, parseTopology, validateTopology } from '@setgate/config';

const nested = (depth: number) => JSON.parse(`{"regions":${'['.repeat(depth)}${']'.repeat(depth)}}`);

describe('config document limits', () => {
  it('refuses a document nested deeper than the limit without overflowing the stack, however deep', () => {
    for (const depth of [DOCUMENT_LIMITS.maxDepth + 1, 300_000]) {
      const r = validateTopology(nested(depth));
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : (r.problems[0]?.message ?? ''), /nested deeper than 24 levels/);
    }
    assert.equal(documentLimitProblem(nested(DOCUMENT_LIMITS.maxDepth - 2)), undefined);
  });

  it('refuses too many values, too long an array, too many keys and too long a string, naming where', () => {
    assert.deepEqual(documentLimitProblem({ a: Array(DOCUMENT_LIMITS.maxArrayItems + 1).fill(0) }), { path: '/a', message: 'array of more than 70000 items' });
    const many = { a: Array.from({ length: 60_000 }, () => Array(20).fill(1)) };
    assert.match(documentLimitProblem(many)?.message ?? '', /more than 1000000 values/);
    const keys = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i]));
    assert.deepEqual(documentLimitProblem({ x: [{ keys }] }), { path: '/x/0/keys', message: 'object with more than 256 keys' });
    assert.deepEqual(documentLimitProblem({ s: ['x'.repeat(20_000)] }), { path: '/s/0', message: 'string longer than 16384 characters' });
  });

  it('a YAML file nested too deep is refused with a problem, not a crash', () => {
    const r = parseTopology(`regions: ${'['.repeat(5000)}${']'.repeat(5000)}`);
    assert.equal(r.ok, false);
  });
});
