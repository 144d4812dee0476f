import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { parse } from 'yaml';
import { withDefaults } from '../src/defaults.js';
import { TopologySchema } from '../src/schema/topology.js';

const shipped = () => parse(readFileSync(new URL('../topology.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;

describe('schema defaults', () => {
  it('fills exactly what TypeBox Value.Default fills, without touching the input', () => {
    const input = shipped();
    const before = structuredClone(input);
    const ours = withDefaults(TopologySchema, input);
    assert.deepEqual(input, before);
    assert.deepEqual(ours, Value.Default(TopologySchema, structuredClone(input)));
  });

  it('fills defaults inside union variants and agrees with Value.Default on odd shapes', () => {
    const doc = shipped();
    const sets = doc.sets as Array<{ nodes: Array<Record<string, unknown>> }>;
    delete sets[0]?.nodes[0]?.store;
    (doc.controlPlane as Record<string, unknown>).store = { kind: 'redis', url: 'redis://x' };
    (doc.commands as Array<Record<string, unknown>>)[0] = { weird: true };
    const ours = withDefaults(TopologySchema, doc) as typeof doc;
    assert.deepEqual((ours.sets as typeof sets)[0]?.nodes[0]?.store, { kind: 'lmdb' });
    assert.deepEqual((ours.controlPlane as Record<string, unknown>).store, { kind: 'redis', url: 'redis://x', prefix: 'setgate:config' });
    assert.equal(((ours.commands as unknown[])[0] as Record<string, unknown>).weird, true);
    assert.deepEqual(ours, Value.Default(TopologySchema, structuredClone(doc)));
  });
});

/** Deletes the value `steps` lead to (each step picks a key of the object or array it reaches), as a document that leaves fields out. */
function remove(doc: unknown, steps: readonly number[]): void {
  let at = doc as Record<string, unknown>;
  for (const [n, step] of steps.entries()) {
    const keys = Object.keys(at);
    if (keys.length === 0) return;
    const key = keys[step % keys.length] as string;
    const next = at[key];
    if (n === steps.length - 1 || typeof next !== 'object' || next === null) {
      // Without its discriminant a union member matches no variant: withDefaults copies it as it
      // is for the checker to refuse, where Value.Default guesses a variant. Not a missing field.
      if (key === 'kind' || key === 'from') return;
      if (Array.isArray(at)) at.splice(Number(key), 1);
      else delete at[key];
      return;
    }
    at = next as Record<string, unknown>;
  }
}

describe('schema defaults with fields left out (property-based)', () => {
  it('fills what Value.Default fills, leaves the input alone and freezes the copy', () => {
    const frozen = (v: unknown): boolean => typeof v !== 'object' || v === null || (Object.isFrozen(v) && Object.values(v).every(frozen));
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }), (removals) => {
        const doc = shipped();
        for (const steps of removals) remove(doc, steps);
        const before = structuredClone(doc);
        const ours = withDefaults(TopologySchema, doc);
        assert.deepEqual(doc, before);
        assert.deepEqual(ours, Value.Default(TopologySchema, structuredClone(doc)));
        assert.ok(frozen(ours));
      }),
      { numRuns: 300 },
    );
  });
});
