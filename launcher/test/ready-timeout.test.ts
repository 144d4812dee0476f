import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadTopologyFile } from '@setgate/config';
import { defaultReadyTimeoutMs, parseDurationMs, readyTimeoutFromArgs, readyTimeoutFromEnv } from '../src/ready-timeout.js';
import { stackProcessCount } from '../src/stack.js';

const SHIPPED = new URL('../../config/topology.yaml', import.meta.url).pathname;

describe('ready deadline of npm start', () => {
  it('takes --ready-timeout in seconds, or with a unit, in either flag form', () => {
    assert.equal(readyTimeoutFromArgs(['--ready-timeout', '120']), 120_000);
    assert.equal(readyTimeoutFromArgs(['--wan', '--ready-timeout=2m']), 120_000);
    assert.equal(readyTimeoutFromArgs(['--ready-timeout', '90s']), 90_000);
    assert.equal(readyTimeoutFromArgs(['--ready-timeout', '1500ms']), 1500);
    assert.equal(readyTimeoutFromArgs(['--wan']), undefined);
  });

  it('refuses a duration it cannot read, saying what it takes', () => {
    for (const bad of ['soon', '0', '-5', '']) {
      assert.throws(() => readyTimeoutFromArgs(['--ready-timeout', bad]), /--ready-timeout takes a duration such as 120 \(seconds\)/);
    }
    assert.throws(() => readyTimeoutFromArgs(['--ready-timeout']), /--ready-timeout takes a duration/);
    assert.equal(parseDurationMs('1.5s'), 1500);
  });

  it('reads SETGATE_READY_TIMEOUT_MS and refuses a value that is not whole milliseconds', () => {
    assert.equal(readyTimeoutFromEnv({ SETGATE_READY_TIMEOUT_MS: '240000' }), 240_000);
    assert.equal(readyTimeoutFromEnv({}), undefined);
    assert.throws(() => readyTimeoutFromEnv({ SETGATE_READY_TIMEOUT_MS: '2m' }), /SETGATE_READY_TIMEOUT_MS must be a whole number of milliseconds/);
  });

  it('gives a bigger stack a longer default: the shipped topology (16 processes) gets 78 s, one process 33 s', () => {
    const topology = loadTopologyFile(SHIPPED);
    const all = stackProcessCount(topology, { configPath: SHIPPED, dataDir: '/unused' });
    assert.equal(all, topology.regions.reduce((n, r) => n + r.proxies.length + r.gateways.length, 0) + topology.sets.reduce((n, s) => n + s.nodes.length, 0) + 1);
    assert.equal(defaultReadyTimeoutMs(all), 30_000 + 3_000 * all);
    const one = stackProcessCount(topology, { configPath: SHIPPED, dataDir: '/unused', controlPlane: false, only: (i) => i.kind === 'gateway' && i.region === 'us-east' && i.id.endsWith('-1') });
    assert.equal(one, 1);
    assert.ok(defaultReadyTimeoutMs(all) > defaultReadyTimeoutMs(one));
  });
});
