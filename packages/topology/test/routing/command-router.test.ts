import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CommandRouter } from '../../src/routing/command-router.js';

type Route = { method: string; path: string };

/** The router over `routes`; a match answers the route's index and its params as a plain object. */
function routerOf(routes: readonly Route[]) {
  const router = new CommandRouter(routes);
  const indexes = routes.map((_, i) => i);
  return (method: string, url: string) => {
    const m = router.match(method, url, indexes);
    return m === null ? null : { route: m.command, params: { ...m.params } };
  };
}

describe('command router: precedence', () => {
  const match = routerOf([
    { method: 'GET', path: '/v1/items/:id' },
    { method: 'GET', path: '/v1/items/new' },
    { method: 'GET', path: '/v1/:kind/new' },
    { method: 'GET', path: '/a/b/d' },
    { method: 'GET', path: '/a/:x/c' },
  ]);

  it('a literal segment wins over a parameter, whatever the order of declaration', () => {
    assert.deepEqual(match('GET', '/v1/items/new'), { route: 1, params: {} });
    assert.deepEqual(match('GET', '/v1/items/42'), { route: 0, params: { id: '42' } });
  });

  it('a parameter higher up wins when the literal branch leads nowhere', () => {
    assert.deepEqual(match('GET', '/v1/things/new'), { route: 2, params: { kind: 'things' } });
    // `/a/b` has a literal child, but only `/a/b/d` below it: back to `/a/:x` for `/a/b/c`.
    assert.deepEqual(match('GET', '/a/b/c'), { route: 4, params: { x: 'b' } });
    assert.deepEqual(match('GET', '/a/b/d'), { route: 3, params: {} });
  });
});

describe('command router: parameters', () => {
  const match = routerOf([
    { method: 'GET', path: '/v1/users/:userId/cards/:cardId' },
    { method: 'GET', path: '/v1/x/:id' },
    { method: 'GET', path: '/v1/x/:id/y' },
  ]);

  it('captures each parameter by name', () => {
    assert.deepEqual(match('GET', '/v1/users/u7/cards/c9'), { route: 0, params: { userId: 'u7', cardId: 'c9' } });
  });

  it('takes a whole segment, an empty one too (a trailing slash), as find-my-way did', () => {
    assert.deepEqual(match('GET', '/v1/x/'), { route: 1, params: { id: '' } });
    assert.deepEqual(match('GET', '/v1/x//y'), { route: 2, params: { id: '' } });
    assert.deepEqual(match('GET', '/v1/x/a.b-c~d')?.params, { id: 'a.b-c~d' });
  });

  it('refuses a parameter longer than 256 characters once decoded', () => {
    assert.deepEqual(match('GET', `/v1/x/${'a'.repeat(256)}`)?.params, { id: 'a'.repeat(256) });
    assert.equal(match('GET', `/v1/x/${'a'.repeat(257)}`), null);
    // 270 characters on the wire, 90 once decoded.
    assert.deepEqual(match('GET', `/v1/x/${'%41'.repeat(90)}`)?.params, { id: 'A'.repeat(90) });
  });

  it('hands out params without a prototype, so a missing name is undefined', () => {
    const router = new CommandRouter([{ method: 'GET', path: '/v1/x/:id' }]);
    const m = router.match('GET', '/v1/x/7', ['only']);
    assert.equal(m?.command, 'only');
    assert.equal(m?.params.constructor, undefined);
    assert.equal(m?.params.toString, undefined);
    assert.equal(Object.getPrototypeOf(m?.params), Object.getPrototypeOf(router.match('GET', '/v1/x/8', ['only'])?.params));
  });
});

describe('command router: methods, paths and misses', () => {
  const routes = [
    { method: 'GET', path: '/v1/profile' },
    { method: 'PUT', path: '/v1/profile' },
    { method: 'DELETE', path: '/v1/cart/items/:itemId' },
    { method: 'GET', path: '/v1/cart/' },
    { method: 'GET', path: '/' },
  ];
  const match = routerOf(routes);
  const router = new CommandRouter(routes);

  it('matches the method of each route only', () => {
    assert.equal(match('GET', '/v1/profile')?.route, 0);
    assert.equal(match('PUT', '/v1/profile')?.route, 1);
    assert.equal(match('POST', '/v1/profile'), null);
    assert.equal(match('HEAD', '/v1/profile'), null, 'HEAD is not GET: a route names its method');
    assert.equal(match('get', '/v1/profile'), null);
    assert.deepEqual(router.methods, ['GET', 'PUT', 'DELETE']);
    assert.equal(router.matches('PUT', '/v1/profile'), true);
    assert.equal(router.matches('DELETE', '/v1/profile'), false);
  });

  it('keeps a trailing slash significant and is case-sensitive', () => {
    assert.equal(match('GET', '/v1/profile/'), null);
    assert.equal(match('GET', '/v1/cart'), null);
    assert.equal(match('GET', '/v1/cart/')?.route, 3);
    assert.equal(match('GET', '/V1/profile'), null);
    assert.equal(match('GET', '/')?.route, 4);
    assert.equal(match('GET', '//'), null);
  });

  it('answers null for a path nothing matches', () => {
    assert.equal(match('GET', '/v1/nothing'), null);
    assert.equal(match('GET', '/v1/profile/extra'), null);
    assert.equal(match('DELETE', '/v1/cart/items'), null);
    assert.equal(match('DELETE', '/v1/cart/items/a/b'), null);
    assert.equal(match('GET', ''), null);
    assert.equal(match('GET', 'v1/profile'), null);
    assert.equal(match('GET', '*'), null);
  });

  it('ignores the query string and the fragment', () => {
    assert.equal(match('GET', '/v1/profile?x=1')?.route, 0);
    assert.equal(match('GET', '/v1/profile?')?.route, 0);
    assert.equal(match('GET', '/v1/profile#top')?.route, 0);
    assert.equal(match('GET', '/v1/profile?next=/v1/cart/items/x#y')?.route, 0);
    assert.deepEqual(match('DELETE', '/v1/cart/items/sku?x=%zz')?.params, { itemId: 'sku' });
    assert.deepEqual(match('DELETE', '/v1/cart/items/sku#/a/b')?.params, { itemId: 'sku' });
    assert.equal(match('GET', '/v1/profile;x=1'), null, 'a semicolon is part of the path');
  });

  it('routes an absolute-form target by its path', () => {
    assert.equal(match('GET', 'http://gw.example/v1/profile')?.route, 0);
    assert.equal(match('GET', 'HTTPS://gw.example:8443/v1/profile?x=1')?.route, 0);
    assert.equal(match('GET', 'http://gw.example')?.route, 4);
    assert.equal(match('GET', 'http://gw.example?x=1')?.route, 4);
    assert.equal(match('GET', 'ftp://gw.example/v1/profile'), null);
    assert.equal(match('GET', 'http:///v1/profile'), null);
    assert.equal(match('GET', 'http://gw.example#/v1/profile'), null);
  });
});

describe('command router: percent-encoding', () => {
  const match = routerOf([
    { method: 'GET', path: '/v1/cart/items/:itemId' },
    { method: 'GET', path: '/v1/cart/summary' },
    { method: 'GET', path: '/v1/100%' },
    { method: 'GET', path: '/v1/a b/:x' },
  ]);

  it('decodes a parameter whole, reserved characters included', () => {
    assert.deepEqual(match('GET', '/v1/cart/items/sku%2042')?.params, { itemId: 'sku 42' });
    assert.deepEqual(match('GET', '/v1/cart/items/a%2Fb')?.params, { itemId: 'a/b' });
    assert.deepEqual(match('GET', '/v1/cart/items/a%2fb%3F%23%25')?.params, { itemId: 'a/b?#%' });
    assert.deepEqual(match('GET', '/v1/cart/items/a%252Fb')?.params, { itemId: 'a%2Fb' });
    assert.deepEqual(match('GET', '/v1/cart/items/%C3%A9%E2%82%AC')?.params, { itemId: 'é€' });
    assert.deepEqual(match('GET', '/v1/cart/items/a+b')?.params, { itemId: 'a+b' });
  });

  it('compares literals decoded, but an encoded slash never splits a segment', () => {
    assert.equal(match('GET', '/v1/c%61rt/summ%61ry')?.route, 1);
    assert.equal(match('GET', '/v1/cart%2Fsummary'), null);
    assert.equal(match('GET', '/v1/a%20b/1')?.route, 3);
    assert.equal(match('GET', '/v1/100%25')?.route, 2, 'a route literal % is matched by %25');
    assert.equal(match('GET', '/v1/100%'), null);
  });

  it('matches nothing for a malformed escape or invalid UTF-8', () => {
    assert.equal(match('GET', '/v1/cart/items/%zz'), null);
    assert.equal(match('GET', '/v1/cart/items/abc%'), null);
    assert.equal(match('GET', '/v1/cart/items/abc%4'), null);
    assert.equal(match('GET', '/v1/cart/items/%C3'), null);
    assert.equal(match('GET', '/v1/cart/items/%FF'), null);
  });
});

describe('command router: chains of literals folded into one key', () => {
  // Every route starts /api/v2, and /api/v2/users/admin is one chain: compiled as a prefix and a folded key.
  const match = routerOf([
    { method: 'GET', path: '/api/v2/users/admin/:id' },
    { method: 'GET', path: '/api/v2/orders/:id' },
    { method: 'GET', path: '/api/v2/:thing/admin/list' },
  ]);

  it('matches through the prefix and a folded key as segment by segment', () => {
    assert.deepEqual(match('GET', '/api/v2/users/admin/7'), { route: 0, params: { id: '7' } });
    assert.deepEqual(match('GET', '/api/v2/orders/9?x'), { route: 1, params: { id: '9' } });
    assert.deepEqual(match('GET', '/api/v2/users/admin/list'), { route: 0, params: { id: 'list' } });
  });

  it('backtracks from a folded key that does not follow to the parameter beside it', () => {
    assert.deepEqual(match('GET', '/api/v2/users/x/7'), null);
    assert.deepEqual(match('GET', '/api/v2/users/admin'), null);
    assert.deepEqual(match('GET', '/api/v2/carts/admin/list'), { route: 2, params: { thing: 'carts' } });
  });

  it('answers null for a path that leaves the prefix, stops inside it or runs past it', () => {
    for (const url of ['/api', '/api/v2', '/api/v2/', '/api/v3/orders/9', '/api/v2x/orders/9', '/apix/v2/orders/9', '/', '//api/v2/orders/9']) {
      assert.equal(match('GET', url), null, url);
    }
    assert.deepEqual(match('GET', '/api/v%32/orders/9'), { route: 1, params: { id: '9' } }, 'an escape inside the prefix is decoded first');
  });
});

describe('command router: compiling', () => {
  it('refuses a duplicate route and a path it cannot route', () => {
    assert.throws(() => new CommandRouter([{ method: 'GET', path: '/a/:x' }, { method: 'GET', path: '/a/:y' }]), /GET \/a\/:y duplicates route #0/);
    new CommandRouter([{ method: 'GET', path: '/a/:x' }, { method: 'PUT', path: '/a/:y' }]);
    for (const path of ['/a/*', '/a/:x(\\d+)', '/a/:x?', '/a/:x-:y', '/a/b:c', '/a/:', '/a/:x/:x', 'a', '/a?b', '/a#b']) {
      assert.throws(() => new CommandRouter([{ method: 'GET', path }]), /cannot|parameter|wildcard|starts with|no request could match/, path);
    }
  });

  it('finds each of thousands of literal siblings (looked up by hash)', () => {
    const routes = Array.from({ length: 3000 }, (_, i) => ({ method: 'GET', path: `/v1/c${i}/items/:id` }));
    routes.push({ method: 'GET', path: '/v1/:other/items/:id' });
    const match = routerOf(routes);
    for (let i = 0; i < 3000; i += 7) assert.deepEqual(match('GET', `/v1/c${i}/items/k${i}`), { route: i, params: { id: `k${i}` } });
    assert.deepEqual(match('GET', '/v1/c3000/items/k'), { route: 3000, params: { other: 'c3000', id: 'k' } });
    assert.deepEqual(match('GET', '/v1/c1%32/items/k'), { route: 12, params: { id: 'k' } });
    assert.equal(match('GET', '/v1/c12/items'), null);
  });

  it('finds whole segments only, among many siblings with folded keys', () => {
    const match = routerOf(Array.from({ length: 100 }, (_, i) => ({ method: 'GET', path: `/v1/d${i}/list` })));
    assert.deepEqual(match('GET', '/v1/d12/list'), { route: 12, params: {} });
    for (const url of ['/v1/d12/listing', '/v1/d12/lis', '/v1/d12/list/', '/v1/d12x/list', '/v1/d1/list2']) assert.equal(match('GET', url), null, url);
  });
});

/**
 * What a route table must answer, written the slow, obvious way: among the
 * routes of the method whose segments all match (a literal equal to the
 * decoded segment, a parameter anything of at most 256 characters decoded),
 * the one whose segments read literal-before-parameter first, left to right.
 */
function reference(routes: readonly Route[], method: string, url: string) {
  const end = url.search(/[?#]/);
  const raw = end === -1 ? url : url.slice(0, end);
  let path: string;
  try {
    path = decodeURI(raw.replaceAll('%25', '%2525'));
  } catch {
    return null;
  }
  const segments = path.slice(1).split('/');
  let best: { route: number; params: Record<string, string>; order: string } | undefined;
  for (const [route, r] of routes.entries()) {
    const parts = r.path.slice(1).split('/');
    if (r.method !== method || parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let order = '';
    for (const [i, part] of parts.entries()) {
      const segment = segments[i] as string;
      if (part.startsWith(':')) {
        const value = decodeURIComponent(segment);
        if (value.length > 256) order = 'x';
        params[part.slice(1)] = value;
        order += 'p';
      } else if (part.replaceAll('%', '%25') === segment) order += 'l';
      else order = 'x';
      if (order.startsWith('x')) break;
    }
    if (!order.startsWith('x') && (best === undefined || order < best.order)) best = { route, params, order };
  }
  return best === undefined ? null : { route: best.route, params: best.params };
}

describe('command router against the reference (property-based)', () => {
  const literal = fc.constantFrom('v1', 'cart', 'items', 'a', 'ab', '', 'A', 'x y', '100%', 'é', 'a.b', 'a+b', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6');
  const routeArb = fc.record({
    method: fc.constantFrom('GET', 'PUT', 'DELETE'),
    parts: fc.array(fc.oneof(literal, fc.constant(null)), { minLength: 1, maxLength: 4 }),
  });
  const requestSegment = fc.oneof(
    literal,
    fc.constantFrom('%41', 'c%61rt', '%2F', '%2f', '100%25', '%C3%A9', '%E2%82%AC', '%zz', '%C3', 'x%', '%3F', '%23', '%25', 'x%20y', 'a'.repeat(257)),
    fc.string({ maxLength: 3 }).filter((s) => !/[/?#%]/.test(s)),
  );
  const tail = fc.constantFrom('', '', '?q=1', '#f', '?a/b', '/');

  it('answers what the reference answers, for random tables and requests', () => {
    fc.assert(
      fc.property(fc.array(routeArb, { minLength: 1, maxLength: 14 }), fc.array(fc.tuple(fc.constantFrom('GET', 'PUT', 'DELETE'), fc.array(requestSegment, { maxLength: 5 }), tail), { minLength: 1, maxLength: 20 }), (drawn, requests) => {
        const shapes = new Set<string>();
        const routes: Route[] = [];
        for (const { method, parts } of drawn) {
          const shape = `${method} ${parts.map((p) => p ?? ':').join('/')}`;
          if (shapes.has(shape)) continue;
          shapes.add(shape);
          routes.push({ method, path: `/${parts.map((p, i) => p ?? `:p${i}`).join('/')}` });
        }
        const match = routerOf(routes);
        const urls: Array<[string, string]> = requests.map(([method, segments, t]) => [method, `/${segments.join('/')}${t}`]);
        // Also each route's own path with its parameters filled by the first drawn segment.
        for (const r of routes) urls.push([r.method, r.path.replace(/:p\d/g, requests[0]?.[1][0] ?? 'v')]);
        for (const [method, url] of urls) assert.deepEqual(match(method, url), reference(routes, method, url), `${method} ${url} in ${JSON.stringify(routes)}`);
      }),
      { numRuns: 500 },
    );
  });
});
