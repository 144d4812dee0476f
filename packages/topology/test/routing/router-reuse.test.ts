import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import type { LoadedTopology } from '@setgate/config';
import fc from 'fast-check';
import { topology } from './shipped.js';
import { buildRoutingTable, sameJson, sharesRouter } from '../../src/index.js';

type Cmd = { path: string; method: string; upstream: { path: string }; timeoutMs?: number; scopes?: string[] };
const commands = (doc: Record<string, unknown>) => doc.commands as Cmd[];

/** Requests over the shipped commands: their own paths with params filled, plus near misses. */
function probes(t: LoadedTopology): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
  for (const c of t.commands) {
    const url = c.path.replace(/:([A-Za-z0-9_]+)/g, 'v%2F1');
    for (const m of methods) out.push([m, url], [m, `${url}?q=1`], [m, `${url}/`], [m, url.toUpperCase()]);
  }
  return out;
}

function sameRouting(a: ReturnType<typeof buildRoutingTable>, b: ReturnType<typeof buildRoutingTable>, t: LoadedTopology) {
  for (const [m, url] of probes(t)) {
    const x = a.match(m, url);
    const y = b.match(m, url);
    assert.equal(x?.command.def.name, y?.command.def.name, `${m} ${url}`);
    assert.deepEqual({ ...x?.params }, { ...y?.params }, `${m} ${url}`);
    assert.deepEqual(a.allowedMethods(url).sort(), b.allowedMethods(url).sort(), url);
  }
}

describe('router reuse across versions', () => {
  it('reuses the compiled router when only placements change, and routes exactly as a fresh one', () => {
    const v1 = buildRoutingTable(topology());
    const t2 = topology((doc) => {
      doc.version = 2;
      const p = (doc.placements as Array<{ leader: string; replicas: string[]; epoch: number }>)[0];
      if (!p) throw new Error('no placement');
      p.leader = p.replicas.find((r) => r !== p.leader) as string;
      p.epoch += 1;
    });
    const v2 = buildRoutingTable(t2);
    assert.ok(sharesRouter(v1, v2));
    assert.equal(v2.version, 2);
    assert.equal(v2.view.placement(0).leader, t2.placements[0]?.leader);
    const fresh = buildRoutingTable(t2, { reuseRouter: false });
    assert.ok(!sharesRouter(v2, fresh));
    sameRouting(v2, fresh, t2);
  });

  for (const [what, edit] of [
    [
      'an upstream path',
      (c: Cmd) => {
        c.upstream.path = `${c.upstream.path}/x`;
      },
    ],
    [
      'a public path',
      (c: Cmd) => {
        c.path = `${c.path}/x`;
      },
    ],
    [
      'a timeout',
      (c: Cmd) => {
        c.timeoutMs = 1234;
      },
    ],
    [
      'the scopes',
      (c: Cmd) => {
        c.scopes = ['extra'];
      },
    ],
  ] as const) {
    it(`compiles anew when ${what} of one command changes`, () => {
      const v1 = buildRoutingTable(topology());
      const t2 = topology((doc) => {
        doc.version = 2;
        const last = commands(doc).at(-1);
        if (!last) throw new Error('no command');
        edit(last);
      });
      const v2 = buildRoutingTable(t2);
      assert.ok(!sharesRouter(v1, v2));
      const changed = t2.commands.at(-1);
      const url = (changed?.path ?? '').replace(/:([A-Za-z0-9_]+)/g, 'v');
      assert.deepEqual(v2.match(changed?.method ?? '', url)?.command.def, changed);
      sameRouting(v2, buildRoutingTable(t2, { reuseRouter: false }), t2);
    });
  }

  it('does not reuse for a document that is not frozen (it could still change)', () => {
    const t = topology();
    buildRoutingTable(t);
    const loose = structuredClone(t) as unknown as LoadedTopology;
    assert.ok(!sharesRouter(buildRoutingTable(t), buildRoutingTable(loose)));
  });

  it('compares JSON deeply: key order aside, array order and every value count', () => {
    assert.ok(sameJson({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 }));
    assert.ok(!sameJson({ a: 1 }, { a: 1, b: undefined }));
    assert.ok(!sameJson({ a: 1, b: undefined }, { a: 1 }));
    assert.ok(!sameJson([1, 2], [2, 1]));
    assert.ok(!sameJson([], {}));
    assert.ok(!sameJson({ a: null }, { a: {} }));
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (x, y) => {
        // As JSON documents arrive: parsed, so no -0 and no undefined.
        const a = JSON.parse(JSON.stringify(x)) as unknown;
        const b = JSON.parse(JSON.stringify(y)) as unknown;
        assert.equal(sameJson(a, JSON.parse(JSON.stringify(a))), true);
        assert.equal(sameJson(a, b), isDeepStrictEqual(a, b));
      }),
    );
  });
});

describe("router reuse keeps each version's own commands", () => {
  // Regression: a reused router once answered with the older version's (equal) command objects,
  // so the regional proxy's residency map, keyed by this version's commands, missed every lookup
  // after a placement-only reload and residency-limited requests were served anywhere.
  it("matches name the new document's command objects, not the compiled version's", () => {
    const v1 = buildRoutingTable(topology());
    const v2topology = topology((doc) => {
      doc.version = 2;
    });
    const v2 = buildRoutingTable(v2topology);
    assert.ok(sharesRouter(v1, v2), 'the commands are unchanged, so the router is reused');
    const m = v2.match('GET', '/v1/cart/summary');
    assert.ok(m);
    assert.equal(m.command.def, v2topology.commands.find((c) => c.name === 'cart.summary'));
    assert.notEqual(m.command.def, v1.match('GET', '/v1/cart/summary')?.command.def);
    assert.equal(m.command.upstreamPath('u', m.params), '/cmd/cart/u/summary');
  });
});
