import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startTelemetry } from '@setgate/telemetry';
import { BIND_HOST_ENV, createAdminServer, createService, runComponent } from '../src/index.js';

const telemetry = startTelemetry({ service: 'test', instance: 'bind-test', logLevel: 'silent' });

describe('runComponent bind address', () => {
  const app = createService({ telemetry });
  app.get('/hello', async () => ({ hello: 'world' }));
  const admin = createAdminServer({ telemetry, status: () => ({}) });
  after(async () => {
    delete process.env[BIND_HOST_ENV];
    await Promise.allSettled([app.close(), admin.close()]);
  });

  it('listens on SETGATE_BIND_HOST when the topology host is a name that is not a local address (a Service name)', async () => {
    // A name under .invalid never resolves: listening on it would fail, so the listeners can only be up on the bind host.
    process.env[BIND_HOST_ENV] = '127.0.0.1';
    await runComponent({ id: 'bind-test', kind: 'gateway', host: 'gw-service.invalid', port: 0, adminPort: 0, app, admin, telemetry });
    const port = (app.server.address() as { port: number }).port;
    const adminPort = (admin.server.address() as { port: number }).port;
    assert.deepEqual(await (await fetch(`http://127.0.0.1:${port}/hello`)).json(), { hello: 'world' });
    assert.equal((await fetch(`http://127.0.0.1:${adminPort}/_setgate/health`)).status, 200);
  });
});
