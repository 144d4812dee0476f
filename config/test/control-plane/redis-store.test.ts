import { after, before, describe } from 'node:test';
import { type RedisServer, startRedisServer } from '@setgate/process-supervisor';
import { RedisConfigStore } from '../../src/control-plane/store/redis-store.js';
import { storeSuite } from './store-suite.js';

/** Our own redis-server on a free port (never 6379), killed by PID afterwards. */
describe('redis config store', () => {
  let server: RedisServer | undefined;
  let url = '';
  let n = 0;

  before(async () => {
    server = await startRedisServer();
    url = server.url;
  });

  after(async () => server?.kill());

  storeSuite(async () => {
    const prefix = `test:${process.pid}:${n++}`;
    const a = await RedisConfigStore.open(url, prefix);
    const b = await RedisConfigStore.open(url, prefix);
    return {
      a,
      b,
      cleanup: async () => {
        await a.close();
        await b.close();
      },
    };
  });
});
