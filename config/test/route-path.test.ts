import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { validateTopology } from '../src/index.js';
import { routePathProblem } from '../src/route-path.js';

const shippedDoc = () => parse(readFileSync(new URL('../topology.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;

describe('command path syntax', () => {
  it('accepts literal segments and whole-segment :params', () => {
    for (const path of ['/', '/v1/cart', '/v1/cart/', '/v1/cart/items/:itemId', '/v1/:a/x/:b_2', '/v1//x', '/v1/100%', '/v1/a.b-c~d', '/v1/é']) {
      assert.equal(routePathProblem(path), undefined, path);
    }
  });

  it('refuses what the gateway cannot route, saying why', () => {
    const cases: Array<[string, RegExp]> = [
      ['v1/cart', /starts with "\/"/],
      ['/_setgate/health', /reserved/],
      ['/_setgate', /reserved/],
      ['/v1/*', /wildcards/],
      ['/v1/files/*path', /wildcards/],
      ['/v1/:', /needs a name/],
      ['/v1/:id(\\d+)', /not a parameter/],
      ['/v1/:id?', /not a parameter/],
      ['/v1/:from-:to', /not a parameter/],
      ['/v1/user-:id', /whole segment/],
      ['/v1/a::b', /whole segment/],
      ['/v1/:id/x/:id', /:id appears twice/],
      ['/v1/cart?x=1', /no request could match/],
      ['/v1/cart#top', /no request could match/],
    ];
    for (const [path, reason] of cases) assert.match(routePathProblem(path) ?? '', reason, path);
  });

  it('validation refuses such a command at its path', () => {
    const doc = shippedDoc();
    const commands = doc.commands as Array<Record<string, unknown>>;
    (commands[5] as Record<string, unknown>).path = '/v1/cart/items/:itemId(\\d+)';
    const r = validateTopology(doc);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.ok(
      r.problems.some((p) => p.path === '/commands/5/path' && /cannot be routed: segment ":itemId\(\\d\+\)" is not a parameter/.test(p.message)),
      JSON.stringify(r.problems),
    );
  });
});
