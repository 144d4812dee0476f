import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { ComponentStartError, freePorts, processAlive, startComponent, Supervisor } from '../src/index.js';

const fixture = (name: string) => new URL(`./fixtures/${name}.ts`, import.meta.url).pathname;
const alive = processAlive;

describe('process supervisor', () => {
  it('starts a component, receives its ready message and stops it', async () => {
    const { component, ready } = await startComponent({ name: 'a', entry: fixture('ready'), args: ['a'] });
    assert.equal(ready.id, 'a');
    assert.ok(alive(component.pid));
    const info = await component.stop();
    assert.equal(info.code, 0);
    assert.ok(!alive(component.pid));
  });

  it('names a component that exits before it is ready, with its output', async () => {
    await assert.rejects(startComponent({ name: 'node-x', entry: fixture('crash') }), (err: unknown) => {
      assert.ok(err instanceof ComponentStartError);
      assert.equal(err.component, 'node-x');
      assert.match(err.message, /node-x failed to start: exited with code 3/);
      assert.match(err.message, /EADDRINUSE/);
      return true;
    });
  });

  it('gives up on a component that never gets ready and kills it', async () => {
    await assert.rejects(
      startComponent({ name: 'slow', entry: fixture('stubborn'), readyTimeoutMs: 1500 }),
      /slow failed to start: not ready after 1500 ms/,
    );
  });

  it('says what a component that missed its deadline was doing: its CPU time, the load, its last log message', async () => {
    let spawned: number | undefined;
    await assert.rejects(
      startComponent({ name: 'slow', entry: fixture('stubborn'), readyTimeoutMs: 5000 }, (c) => {
        spawned = c.pid;
      }),
      (err: unknown) => {
        assert.ok(err instanceof ComponentStartError);
        assert.equal(err.timedOut, true);
        // What it last said: its log line, or on a very busy machine (still loading after 5 s) that it said nothing yet.
        // The start-progress test checks the log line itself without any deadline.
        assert.match(
          err.reason,
          /^not ready after 5000 ms, using \d+\.\d s of CPU in that time \(load average [\d.]+ on \d+ cores\); it last said: ("opening the store"|nothing yet \(loading its code\))$/,
        );
        return true;
      },
    );
    assert.ok(spawned !== undefined && !alive(spawned));
  });

  it('tells its observer as each component starts and reports ready', async () => {
    const events: string[] = [];
    const sup = new Supervisor({ starting: (c) => events.push(`starting ${c.name}`), ready: (c) => events.push(`ready ${c.name}`) });
    await sup.startAll([{ name: 'obs-1', entry: fixture('ready'), args: ['obs-1'] }]);
    await sup.stopAll();
    assert.deepEqual(events, ['starting obs-1', 'ready obs-1']);
  });

  it('stops every started component when one of a wave fails', async () => {
    const sup = new Supervisor();
    let started: number[] = [];
    await assert.rejects(
      (async () => {
        await sup.startAll([
          { name: 'ok-1', entry: fixture('ready'), args: ['ok-1'] },
          { name: 'ok-2', entry: fixture('ready'), args: ['ok-2'] },
        ]);
        started = sup.components().map((c) => c.pid);
        await sup.startAll([
          { name: 'ok-3', entry: fixture('ready'), args: ['ok-3'] },
          { name: 'bad', entry: fixture('crash') },
        ]);
      })(),
      (err: unknown) => {
        assert.ok(err instanceof ComponentStartError);
        assert.match(err.message, /bad failed to start/);
        assert.equal(err.timedOut, false);
        return true;
      },
    );
    assert.equal(started.length, 2);
    for (const pid of started) assert.ok(!alive(pid), `pid ${pid} was left running`);
    assert.equal(sup.components().length, 0);
  });

  it('escalates to SIGKILL when a component ignores SIGTERM', async () => {
    const sup = new Supervisor();
    const c = await sup.start({ name: 'stubborn', entry: fixture('ready-stubborn') });
    await sup.stopAll(300);
    const info = await c.exited;
    assert.equal(info.signal, 'SIGKILL');
    assert.ok(!alive(c.pid));
  });

  it('hands out distinct free ports, below the kernel\'s ephemeral range (no outgoing connection can take one)', async () => {
    const ports = await freePorts(20);
    assert.equal(new Set(ports).size, 20);
    for (const p of ports) assert.ok(p > 0 && p < 65536);
    const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (ephemeralLow - 10000 >= 2000) for (const p of ports) assert.ok(p >= 10000 && p < ephemeralLow, `port ${p} is not below ${ephemeralLow}`);
  });

  it('never hands out a port something is listening on', async () => {
    const held = await freePorts(200);
    const servers = await Promise.all(held.map((port) => new Promise<import('node:net').Server>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve(s));
    })));
    try {
      const more = await freePorts(200);
      assert.equal(more.filter((p) => held.includes(p)).length, 0);
    } finally {
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    }
  });
});
