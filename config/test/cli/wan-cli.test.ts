import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createAdminServer, WanRelay } from '@setgate/wan-link';
import { runWanCli } from '../../src/cli/wan.js';

const TOKEN = 'wan-cli-test-token-0001';

/** `setgate wan` against a real relay and its admin endpoint (in this process, on loopback). */
describe('setgate wan', () => {
  let relay: WanRelay;
  let server: ReturnType<typeof createAdminServer>;
  let url: string;
  before(async () => {
    relay = new WanRelay({ regions: ['us-east', 'eu-west'], rttMs: { 'us-east': { 'eu-west': 75 }, 'eu-west': { 'us-east': 75 } }, targets: [] });
    await relay.start();
    server = createAdminServer(relay, TOKEN);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await relay.stop();
  });

  const run = async (...argv: string[]) => {
    let out = '';
    let err = '';
    const code = await runWanCli(['--url', url, ...argv], (s) => (out += s), (s) => (err += s));
    return { code, out, err };
  };

  it('partitions one way, slows, shows status and heals', async () => {
    const cut = await run('partition', 'us-east', 'eu-west', '--one-way', '--mode', 'reset', '--token', TOKEN);
    assert.equal(cut.code, 0, cut.err);
    assert.match(cut.out, /us-east\s+eu-west\s+reset/);
    assert.deepEqual(relay.faults.list(), [{ from: 'us-east', to: 'eu-west', partition: 'reset' }]);
    const slow = await run('slow', 'us-east', 'eu-west', '--delay-ms', '40', '--token', TOKEN);
    assert.equal(slow.code, 0, slow.err);
    const status = await run('status', '--json', '--token', TOKEN);
    assert.equal(status.code, 0, status.err);
    const s = JSON.parse(status.out) as { directions: Array<{ from: string; delayMs: number }> };
    assert.equal(s.directions.find((d) => d.from === 'eu-west')?.delayMs, 37.5 + 40);
    const healed = await run('heal', '--token', TOKEN);
    assert.equal(healed.code, 0, healed.err);
    assert.deepEqual(relay.faults.list(), []);
  });

  it('is refused without the token and changes nothing; a bad command line exits 2', async () => {
    const refused = await run('partition', 'us-east', 'eu-west');
    assert.equal(refused.code, 1);
    assert.match(refused.err, /401 SETGATE_WAN_UNAUTHENTICATED/);
    assert.deepEqual(relay.faults.list(), []);
    assert.equal((await run('partition', 'us-east', '--token', TOKEN)).code, 2);
    assert.equal((await run('partition', 'us-east', 'eu-west', '--mode', 'drop', '--token', TOKEN)).code, 2);
    assert.equal((await run('slow', 'us-east', 'eu-west', '--token', TOKEN)).code, 2);
  });
});
