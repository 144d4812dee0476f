import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Change } from '@setgate/config';
import { adminFieldsTouched } from '../../src/control-plane/http/admin-fields.js';

const change = (path: string, before?: unknown, after?: unknown): Change => ({
  op: before === undefined ? 'add' : after === undefined ? 'remove' : 'change',
  path,
  ...(before === undefined ? {} : { before }),
  ...(after === undefined ? {} : { after }),
});

describe('admin-only fields of a diff', () => {
  it('names trust, secret references, network, limits and auth changes, however deep', () => {
    assert.deepEqual(
      adminFieldsTouched([
        change('/gateway/trustedProxies', ['127.0.0.0/8'], ['0.0.0.0/0']),
        change('/gateway/sessionTokenSecret/env', 'A', 'B'),
        change('/gateway/previousSessionTokenSecret', undefined, { env: 'A' }),
        change('/gateway/rateLimit/classes/reads/max', 1, 2),
        change('/regionalProxy/trustedEdges', [], ['10.0.0.0/8']),
        change('/network', undefined, { allowedHosts: ['169.254.169.254'] }),
        change('/limits', undefined, { bodyLimitBytes: 1 }),
        change('/auth/issuers/0/audience', 'a', 'b'),
        change('/controlPlane/watchTimeoutMs', 1, 2),
      ]),
      [
        '/auth/issuers/0/audience',
        '/controlPlane/watchTimeoutMs',
        '/gateway/previousSessionTokenSecret',
        '/gateway/rateLimit/classes/reads/max',
        '/gateway/sessionTokenSecret/env',
        '/gateway/trustedProxies',
        '/limits',
        '/network',
        '/regionalProxy/trustedEdges',
      ],
    );
  });

  it('names an anonymous command added, removed or flipped, and nothing for other command or fleet changes', () => {
    assert.deepEqual(
      adminFieldsTouched([
        change('/commands/card.get', undefined, { name: 'card.get', anonymous: true }),
        change('/commands/old.get', { name: 'old.get', anonymous: true }, undefined),
        change('/commands/profile.get/anonymous', false, true),
        change('/commands/cart.get', undefined, { name: 'cart.get', anonymous: false }),
        change('/commands/cart.get/timeoutMs', 1000, 2000),
        change('/placements/3/leader', 'a', 'b'),
        change('/gateway/admission/maxInFlight', 1, 2),
        change('/regionalProxy/health/intervalMs', 1, 2),
        change('/failover/paused', false, true),
      ]),
      ['/commands/card.get/anonymous', '/commands/old.get/anonymous', '/commands/profile.get/anonymous'],
    );
  });

  it('names a type change of an object that holds an admin field', () => {
    assert.deepEqual(adminFieldsTouched([change('/gateway', { trustedProxies: [] }, 'broken')]), ['/gateway']);
  });
});

describe('admin-only fields of a diff: secret references elsewhere', () => {
  it('names a Redis password reference changed, or added and removed with the store or node that holds it', () => {
    assert.deepEqual(
      adminFieldsTouched([
        change('/sets/us-east-a/nodes/us-east-a-1/store/password/env', 'A', 'B'),
        change('/sets/us-east-b/nodes/us-east-b-1/store', { kind: 'lmdb' }, { kind: 'redis', url: 'redis://10.0.0.1', password: { env: 'P' } }),
        change('/sets/eu-west-a/nodes/eu-west-a-2', undefined, { id: 'eu-west-a-2', store: { kind: 'redis', url: 'redis://10.0.0.2', password: { env: 'P' } } }),
        change('/sets/eu-west-b/nodes/eu-west-b-2', undefined, { id: 'eu-west-b-2', store: { kind: 'lmdb' } }),
      ]),
      ['/sets/eu-west-a/nodes/eu-west-a-2', '/sets/us-east-a/nodes/us-east-a-1/store/password/env', '/sets/us-east-b/nodes/us-east-b-1/store'],
    );
  });
});
