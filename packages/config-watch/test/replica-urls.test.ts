import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { freePorts } from '@setgate/process-supervisor';
import { controlPlaneFixture, TOKENS } from '../../../config/test/control-plane/fixture.js';
import { ConfigWatcher, type WatchEvent } from '../src/config-watcher.js';
import { controlPlaneUrls, fetchCurrentTopologyFromAny } from '../src/from-topology.js';

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 3000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

async function listening(watchTimeoutMs = 500) {
  const f = await controlPlaneFixture({ watchTimeoutMs });
  await f.app.listen({ host: '127.0.0.1', port: 0 });
  return { f, url: `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}` };
}

/** A component following several control-plane replicas (etcd store): one gone must not stop its watch answers. */
describe('config watcher with several control-plane URLs', () => {
  it('moves to the next replica at once when the one it watches goes away, and keeps getting answers', async () => {
    const a = await listening();
    const b = await listening();
    const events: WatchEvent[] = [];
    const w = new ConfigWatcher({
      url: a.url,
      urls: [b.url],
      token: TOKENS.viewer,
      version: 1,
      pollTimeoutMs: 200,
      build: () => undefined,
      onUpdate: () => undefined,
      onEvent: (e) => events.push(e),
    }).start();
    try {
      await until(() => events.some((e) => e.kind === 'current'), 'an answer from the first replica');
      assert.equal(events.filter((e) => e.kind === 'disconnected').length, 0);
      await a.f.close();
      const at = events.length;
      await until(() => events.slice(at).some((e) => e.kind === 'current'), 'an answer from the second replica');
      const failed = events.slice(at).filter((e) => e.kind === 'disconnected');
      assert.equal(failed.length, 1, 'one failed poll, then the other replica answers');
      assert.ok(failed[0]?.kind === 'disconnected' && failed[0].retryInMs === 0 && failed[0].url === a.url);
    } finally {
      await w.stop();
      await b.f.close();
    }
  });

  it("asks the replica it moved to for an answer at once, so a lease renewed by it waits for no long-poll", async () => {
    // Both hold a long-poll for up to 60 s; the watch asks for 60 s too.
    const a = await listening(60_000);
    const b = await listening(60_000);
    const events: WatchEvent[] = [];
    const w = new ConfigWatcher({
      url: a.url,
      urls: [b.url],
      token: TOKENS.viewer,
      version: 1,
      pollTimeoutMs: 60_000,
      immediateFirstPoll: true,
      build: () => undefined,
      onUpdate: () => undefined,
      onEvent: (e) => events.push(e),
    }).start();
    try {
      await until(() => events.some((e) => e.kind === 'current'), 'the immediate first answer from the first replica');
      await a.f.close();
      const at = events.length;
      // A long-poll would hold this answer for 60 s, far past this wait.
      await until(() => events.slice(at).some((e) => e.kind === 'current'), 'an immediate answer from the second replica');
    } finally {
      await w.stop();
      await b.f.close();
    }
  });

  it('backs off only after every replica failed in a row', async () => {
    const dead = (await freePorts(2)).map((p) => `http://127.0.0.1:${p}`);
    const events: WatchEvent[] = [];
    const w = new ConfigWatcher({
      url: dead[0] as string,
      urls: [dead[1] as string],
      token: TOKENS.viewer,
      version: 1,
      pollTimeoutMs: 200,
      backoff: { baseMs: 50, maxMs: 100 },
      build: () => undefined,
      onUpdate: () => undefined,
      onEvent: (e) => events.push(e),
    }).start();
    try {
      await until(() => events.length >= 4, 'four failed polls');
      const delays = events.slice(0, 4).map((e) => (e.kind === 'disconnected' ? e.retryInMs : -1));
      assert.equal(delays[0], 0);
      assert.ok((delays[1] as number) > 0);
      assert.equal(delays[2], 0);
      assert.ok((delays[3] as number) > 0);
    } finally {
      await w.stop();
    }
  });

  it('reads the replica list from SETGATE_CONTROL_PLANE_URL, comma-separated', async () => {
    const f = await controlPlaneFixture();
    try {
      assert.deepEqual(controlPlaneUrls(f.seed, { SETGATE_CONTROL_PLANE_URL: 'http://a:1, http://b:2' }), ['http://a:1', 'http://b:2']);
      assert.equal(controlPlaneUrls(f.seed, {}).length, 1);
    } finally {
      await f.close();
    }
  });

  it("a gateway's refresh after a 421 reads the topology from the next replica when the first is gone", async () => {
    const a = await listening();
    const b = await listening();
    await a.f.close();
    try {
      const topology = await fetchCurrentTopologyFromAny([a.url, b.url], TOKENS.viewer);
      assert.equal(topology.version, 1);
      await assert.rejects(fetchCurrentTopologyFromAny([a.url], TOKENS.viewer), 'with no replica left, the last error is thrown');
    } finally {
      await b.f.close();
    }
  });
});
