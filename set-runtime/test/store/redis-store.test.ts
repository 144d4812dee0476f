import { after, before } from 'node:test';
import { RedisNodeStore } from '../../src/store/redis-store.js';
import { type RedisServer, startRedisServer } from '@setgate/process-supervisor';
import { storeSuite } from './store-suite.js';

let redis: RedisServer | undefined;
let places = 0;
before(async () => {
  redis = await startRedisServer();
});
after(() => redis?.kill());

storeSuite('redis', {
  newPlace: () => `node-${places++}`,
  open: (nodeId, opts) => {
    if (!redis) throw new Error('redis-server not started');
    return RedisNodeStore.open({ url: redis.url, nodeId, ...opts });
  },
});
