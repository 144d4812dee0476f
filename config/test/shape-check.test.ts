import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import fc from 'fast-check';
import { parse } from 'yaml';
import { fillDefaults } from '../src/defaults.js';
import { TopologySchema } from '../src/schema/topology.js';
import { checksKeysInFill, shapeProblems } from '../src/shape-check.js';

const shipped = () => parse(readFileSync(new URL('../topology.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
const strict = TypeCompiler.Compile(TopologySchema);

/** The strict check's verdict and problems (one per path and message), as validation reported them before. */
function strictProblems(filled: unknown) {
  if (strict.Check(filled)) return undefined;
  const seen = new Set<string>();
  return [...strict.Errors(filled)]
    .map((e) => ({ path: e.path, message: e.message }))
    .filter((p) => !seen.has(`${p.path}\u0000${p.message}`) && seen.add(`${p.path}\u0000${p.message}`));
}

type Edit = { steps: number[]; action: 'stray' | 'set' | 'delete'; value: unknown };

/** Applies `edit` to the object or array `steps` lead to (each step picks one of its keys). */
function apply(doc: unknown, { steps, action, value }: Edit): void {
  let at = doc as Record<string, unknown>;
  for (const step of steps) {
    const keys = Object.keys(at);
    const next = keys.length === 0 ? undefined : at[keys[step % keys.length] as string];
    if (typeof next !== 'object' || next === null) break;
    at = next as Record<string, unknown>;
  }
  const keys = Object.keys(at);
  const key = keys[(steps.at(-1) ?? 0) % Math.max(keys.length, 1)];
  if (action === 'stray' && !Array.isArray(at)) at[`zz${steps.length}`] = value;
  else if (key === undefined) return;
  else if (action === 'set') at[key] = value;
  else if (Array.isArray(at)) at.splice(Number(key), 1);
  else delete at[key];
}

describe('shape check', () => {
  it('checks the topology schema open when the fill found no stray key', () => {
    assert.equal(checksKeysInFill, true);
    const filled = fillDefaults(TopologySchema, shipped());
    assert.equal(filled.strays, 0);
    assert.equal(shapeProblems(filled.value, filled.strays), undefined);
  });

  it('counts undeclared keys and unclaimed union members as strays, and reports them at their path', () => {
    const doc = shipped();
    (doc.commands as Array<Record<string, unknown>>)[2] = { ...(doc.commands as Array<Record<string, unknown>>)[2], colour: 'red' };
    ((doc.sets as Array<{ nodes: Array<Record<string, unknown>> }>)[0]?.nodes[0] as Record<string, unknown>).store = { kind: 'tape' };
    const filled = fillDefaults(TopologySchema, doc);
    assert.equal(filled.strays, 2);
    const problems = shapeProblems(filled.value, filled.strays) ?? [];
    assert.ok(problems.some((p) => p.path === '/commands/2/colour'), JSON.stringify(problems));
    assert.ok(problems.some((p) => p.path.startsWith('/sets/0/nodes/0/store')), JSON.stringify(problems));
  });

  it('keeps a "__proto__" key as an unknown key to refuse, never as the prototype of the copy', () => {
    const text = JSON.stringify(shipped());
    const doc = JSON.parse(`{"__proto__":{"injected":true},${text.slice(1)}`) as Record<string, unknown>;
    const commands = doc.commands as Array<Record<string, unknown>>;
    commands[0] = JSON.parse(`{"__proto__":{"anonymous":true},${JSON.stringify(commands[0]).slice(1)}`) as Record<string, unknown>;
    const filled = fillDefaults(TopologySchema, doc);
    assert.equal(Object.getPrototypeOf(filled.value), Object.prototype);
    assert.equal((filled.value as Record<string, unknown>).injected, undefined);
    const paths = (shapeProblems(filled.value, filled.strays) ?? []).map((p) => p.path);
    assert.ok(paths.includes('/__proto__') && paths.includes('/commands/0/__proto__'), JSON.stringify(paths));
  });

  it('answers what the strict check answers, on damaged documents (property-based)', () => {
    const edit = fc.record({
      steps: fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
      action: fc.constantFrom('stray', 'set', 'delete'),
      value: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown),
    }) as fc.Arbitrary<Edit>;
    fc.assert(
      fc.property(fc.array(edit, { minLength: 0, maxLength: 4 }), (edits) => {
        const doc = shipped();
        for (const e of edits) apply(doc, e);
        const filled = fillDefaults(TopologySchema, doc);
        assert.deepEqual(shapeProblems(filled.value, filled.strays), strictProblems(filled.value));
      }),
      { numRuns: 400 },
    );
  });
});
