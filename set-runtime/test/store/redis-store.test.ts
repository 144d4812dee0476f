import { after, before } from 'node:test';
import { RedisNodeStore } from '../../src/store/redis-store.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { storeSuite } from './store-suite.js';

let redis: TestRedis | undefined;
let places = 0;
before(async () => {
  redis = await startRedis();
});
after(() => redis?.stop());

storeSuite('redis', {
  newPlace: () => `node-${places++}`,
  open: (nodeId, opts) => {
    if (!redis) throw new Error('redis-server not started');
    return RedisNodeStore.open({ url: redis.url, nodeId, ...opts });
  },
});
