import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RedisServer, startRedisServer } from '@setgate/process-supervisor';
import { createRedis } from '@setgate/redis-client';
import type { NodeRef } from '@setgate/topology';
import { openNodeStore } from '../../src/store/open-store.js';

/** Issue 12: a node's Redis password is given by reference (store.password), never in the URL. */
describe('redis node store: password by reference', () => {
  let redis: RedisServer | undefined;
  const password = 'node-store-redis-password-for-this-test';
  const node = (ref?: { env: string }): NodeRef =>
    ({ id: 'pw-node-1', store: { kind: 'redis', url: redis?.url ?? '', ...(ref ? { password: ref } : {}) } }) as unknown as NodeRef;

  before(async () => {
    redis = await startRedisServer();
    const admin = createRedis(redis.url, { connectTimeoutMs: 2000, commandTimeoutMs: 2000 });
    await new Promise((resolve) => admin.once('ready', resolve));
    await admin.config('SET', 'requirepass', password);
    admin.disconnect();
  });
  after(() => redis?.kill());

  it('opens the store with the password its reference points at, and not without it', async () => {
    process.env.SETGATE_TEST_NODE_REDIS_PASSWORD = password;
    const store = await openNodeStore(node({ env: 'SETGATE_TEST_NODE_REDIS_PASSWORD' }), '/nonexistent');
    await store.close();
    await assert.rejects(async () => (await openNodeStore(node(), '/nonexistent')).close(), /NOAUTH|auth|not ready/i, 'refused without the password');
  });

  it('names a missing password variable, not a value', async () => {
    await assert.rejects(async () => openNodeStore(node({ env: 'SETGATE_TEST_UNSET_REDIS_PASSWORD' }), '/nonexistent'), /node pw-node-1 store password: environment variable SETGATE_TEST_UNSET_REDIS_PASSWORD is not set/);
  });
});
