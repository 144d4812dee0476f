import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
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
