import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse } from 'yaml';
import { validateTopology } from '../src/index.js';

type Doc = Record<string, unknown> & {
  regions: Array<Record<string, unknown>>;
  sets: Array<Record<string, unknown>>;
  placements: Array<Record<string, unknown>>;
  commands: Array<Record<string, unknown>>;
  rtt: Array<Record<string, unknown>>;
};

const shipped = parse(readFileSync(new URL('../topology.yaml', import.meta.url), 'utf8')) as Doc;
const at = <T>(list: T[], i: number): T => list[i % list.length] as T;
/** An element other than `at(list, i)`, chosen by `j`. */
const other = <T>(list: T[], i: number, j: number): T => list[((i % list.length) + 1 + (j % (list.length - 1))) % list.length] as T;

/** One way to break a valid topology, named, with what it does to the document. */
interface Breakage {
  readonly name: string;
  readonly apply: (d: Doc) => void;
}

/** Generators of one breakage each; indices and names are drawn so every run tries different spots. */
const breakages: fc.Arbitrary<Breakage> = fc.oneof(
  fc.record({ i: fc.nat(), name: fc.stringMatching(/^[a-z]{3,8}-zz$/) }).map(({ i, name }) => ({
    name: `set ${i} in unknown region ${name}`,
    apply: (d: Doc) => {
      at(d.sets, i).region = name;
    },
  })),
  fc.record({ i: fc.nat(), name: fc.stringMatching(/^[a-z]{3,8}-zz$/) }).map(({ i, name }) => ({
    name: `placement ${i} led by missing set ${name}`,
    apply: (d: Doc) => {
      at(d.placements, i).leader = name;
    },
  })),
  fc.nat().map((i) => ({
    name: `placement ${i} removed`,
    apply: (d: Doc) => {
      d.placements.splice(i % d.placements.length, 1);
    },
  })),
  fc.record({ i: fc.nat(), extra: fc.integer({ min: 0, max: 1000 }) }).map(({ i, extra }) => ({
    name: `placement ${i} shard out of range`,
    apply: (d: Doc) => {
      at(d.placements, i).shard = (d.shardCount as number) + extra;
    },
  })),
  fc.record({ i: fc.nat(), j: fc.nat() }).map(({ i, j }) => ({
    name: `command ${j} duplicates route of command ${i}`,
    apply: (d: Doc) => {
      const a = at(d.commands, i);
      const b = other(d.commands, i, j);
      b.method = a.method;
      b.path = a.path;
      b.kind = a.kind;
    },
  })),
  fc
    .record({ i: fc.nat(), path: fc.constantFrom('/v1/*', '/v1/files/*rest', '/v1/:id(\\d+)', '/v1/:id?', '/v1/user-:id', '/v1/:from-:to', '/v1/:id/x/:id', '/v1/:') })
    .map(({ i, path }) => ({
      name: `command ${i} with the unroutable path ${path}`,
      apply: (d: Doc) => {
        at(d.commands, i).path = path;
      },
    })),
  fc.nat().map((i) => ({
    name: `rtt link ${i} removed`,
    apply: (d: Doc) => {
      d.rtt.splice(i % d.rtt.length, 1);
    },
  })),
  fc.record({ i: fc.nat(), j: fc.nat() }).map(({ i, j }) => ({
    name: `node port of set ${i} collides with set ${j}`,
    apply: (d: Doc) => {
      const a = at(d.sets, i).nodes as Array<Record<string, unknown>>;
      const b = other(d.sets, i, j).nodes as Array<Record<string, unknown>>;
      (b[0] as Record<string, unknown>).port = (a[0] as Record<string, unknown>).port;
    },
  })),
  fc.nat().map((i) => ({
    name: `placement ${i} replicas without the leader`,
    apply: (d: Doc) => {
      const p = at(d.placements, i);
      p.replicas = (p.replicas as string[]).filter((s) => s !== p.leader);
    },
  })),
  fc.constant({
    name: 'every region drained',
    apply: (d: Doc) => {
      for (const r of d.regions) r.drained = true;
    },
  }),
  fc.nat().map((i) => ({
    name: `leader set of placement ${i} drained`,
    apply: (d: Doc) => {
      const leader = at(d.placements, i).leader;
      const set = d.sets.find((s) => s.name === leader);
      if (set) set.drained = true;
    },
  })),
  fc.record({ i: fc.nat(), v: fc.oneof(fc.constant(-1), fc.constant('x'), fc.constant(1.5), fc.constant(null)) }).map(({ i, v }) => ({
    name: `placement ${i} epoch ${JSON.stringify(v)}`,
    apply: (d: Doc) => {
      at(d.placements, i).epoch = v;
    },
  })),
  fc.record({ i: fc.nat(), name: fc.stringMatching(/^[A-Z][A-Za-z ]{0,10}$/) }).map(({ i, name }) => ({
    name: `region ${i} named "${name}"`,
    apply: (d: Doc) => {
      at(d.regions, i).name = name;
    },
  })),
  fc.stringMatching(/^[a-z]{1,10}$/).map((k) => ({
    name: `unknown top-level field ${k}x`,
    apply: (d: Doc) => {
      d[`${k}x`] = true;
    },
  })),
);

describe('broken topologies (property-based)', () => {
  it('the unbroken document is accepted (so every refusal below is the breakage)', () => {
    assert.equal(validateTopology(structuredClone(shipped)).ok, true);
  });

  it('refuses every document with one to three breakages, each time with at least one reason and its path', () => {
    fc.assert(
      fc.property(fc.array(breakages, { minLength: 1, maxLength: 3 }), (list) => {
        const doc = structuredClone(shipped);
        for (const b of list) b.apply(doc);
        const r = validateTopology(doc);
        assert.equal(r.ok, false, `accepted despite: ${list.map((b) => b.name).join('; ')}`);
        if (r.ok) return;
        assert.ok(r.problems.length >= 1);
        for (const p of r.problems) {
          assert.equal(typeof p.path, 'string');
          assert.ok(p.message.length > 0, `empty reason at ${p.path}`);
        }
      }),
      { numRuns: 300 },
    );
  });
});
