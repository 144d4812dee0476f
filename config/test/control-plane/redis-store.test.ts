import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe } from 'node:test';
import { freePorts } from '@setgate/process-supervisor';
import { RedisConfigStore } from '../../src/control-plane/store/redis-store.js';
import { tempDir } from './fixture.js';
import { storeSuite } from './store-suite.js';

/** Our own redis-server on a free port (never 6379), killed by PID afterwards. */
describe('redis config store', () => {
  let server: ChildProcess | undefined;
  let url = '';
  let n = 0;
  const tmp = tempDir('setgate-redis-');

  before(async () => {
    const [port] = await freePorts(1);
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp.dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    server.stdout?.on('data', (c) => {
      out += c;
    });
    const deadline = Date.now() + 10000;
    while (!/Ready to accept connections/.test(out)) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`redis-server did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    url = `redis://127.0.0.1:${port}`;
  });

  after(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    tmp.remove();
  });

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
