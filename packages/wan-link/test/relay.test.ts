import assert from 'node:assert/strict';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { after, describe, it } from 'node:test';
import { connectVia, type FarServer, farServer, readBytes, relayTo, settlesWithin } from './helpers.js';
import { EARLY_MS } from '../src/pipe.js';

describe('WAN relay: delay, bytes and order', () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('a connect takes at least one RTT and a round trip at least one more', async () => {
    const far = await farServer((s) => s.pipe(s));
    const { relay, relayPort } = await relayTo(far, 80);
    cleanup.push(() => far.close(), () => relay.stop());
    const { socket, connectMs } = await connectVia(relayPort, far.port);
    assert.ok(connectMs >= 80 - 2 * EARLY_MS, `connect took ${connectMs.toFixed(1)} ms, less than the 80 ms RTT`);
    const started = performance.now();
    socket.write('ping');
    const echoed = await readBytes(socket, 4);
    const rtt = performance.now() - started;
    assert.equal(echoed.toString(), 'ping');
    assert.ok(rtt >= 80 - 2 * EARLY_MS, `echo took ${rtt.toFixed(1)} ms, less than the 80 ms RTT`);
    socket.destroy();
  });

  it('keeps every byte in order through jitter, and forwards the FIN after them', async () => {
    const far = await farServer((s) => s.pipe(s));
    const { relay, relayPort } = await relayTo(far, 10, 30);
    cleanup.push(() => far.close(), () => relay.stop());
    const { socket } = await connectVia(relayPort, far.port);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    const sent: Buffer[] = [];
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(`${i},`);
      sent.push(b);
      socket.write(b);
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    socket.end();
    const want = Buffer.concat(sent);
    await once(socket, 'end');
    // Compared as a boolean: a diff of 9 KB of digits helps nobody.
    assert.ok(Buffer.concat(chunks).equals(want), 'the echoed stream differs from what was sent');
    const status = relay.status();
    assert.ok(status.traffic.bytes >= want.length * 2);
    assert.ok(status.cpu.usPerChunk !== null && status.cpu.usPerChunk > 0);
    socket.destroy();
  });

  it('refuses a connect as the target would when nothing listens there', async () => {
    const far = await farServer();
    const { relay, relayPort } = await relayTo(far, 20);
    cleanup.push(() => relay.stop());
    await far.close();
    await assert.rejects(connectVia(relayPort, far.port), { code: 'ECONNREFUSED' });
  });
});

describe('WAN relay: partitions and heal', () => {
  let far: FarServer;
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  const setup = async () => {
    const server = await farServer();
    far = server;
    const r = await relayTo(server, 20);
    cleanup.push(() => server.close(), () => r.relay.stop());
    return r;
  };

  it('hold: bytes are held while cut and arrive in order on heal; the connection stays open', async () => {
    const { relay, relayPort } = await setup();
    const accepted = far.next();
    const { socket } = await connectVia(relayPort, far.port);
    const server = await accepted;
    relay.partition({ a: 'a', b: 'b' }, 'hold');
    const arriving = readBytes(server, 6);
    socket.write('abc');
    socket.write('def');
    assert.equal(await settlesWithin(arriving, 300), false, 'bytes crossed a held partition');
    assert.equal(relay.status().traffic.heldBytes, 6);
    assert.equal(socket.destroyed, false);
    relay.heal({ a: 'a', b: 'b' });
    assert.equal((await arriving).toString(), 'abcdef');
    socket.destroy();
  });

  it('hold: a new connect hangs until heal, then completes', async () => {
    const { relay, relayPort } = await setup();
    relay.partition({ a: 'a', b: 'b' }, 'hold');
    const connecting = connectVia(relayPort, far.port);
    assert.equal(await settlesWithin(connecting, 300), false, 'a connect completed across a held partition');
    assert.equal(relay.status().connections.heldConnects, 1);
    relay.heal();
    const { socket } = await connecting;
    socket.destroy();
  });

  it('hold: a held connect fails with a connect timeout when the caller gives up', async () => {
    const { relay, relayPort } = await setup();
    relay.partition({ a: 'a', b: 'b' }, 'hold');
    await assert.rejects(connectVia(relayPort, far.port, 200), { code: 'UND_ERR_CONNECT_TIMEOUT' });
  });

  it('regression: a client that gives up during the handshake leaves no connection behind (was CLOSE-WAIT forever)', async () => {
    const { relay, relayPort } = await setup();
    relay.partition({ a: 'a', b: 'b' }, 'hold');
    for (let i = 0; i < 5; i++) await assert.rejects(connectVia(relayPort, far.port, 50), { code: 'UND_ERR_CONNECT_TIMEOUT' });
    relay.heal();
    const deadline = Date.now() + 30_000;
    // The far server keeps half-open sockets: a FIN from the relay shows as a read side that ended.
    const upstreamOpen = () => far.sockets.filter((s) => !s.destroyed && !s.readableEnded).length;
    while ((relay.status().connections.open > 0 || upstreamOpen() > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(relay.status().connections.open, 0);
    assert.equal(upstreamOpen(), 0, 'upstream connections were left open');
  });

  it('refuse: new connects are refused, open connections hold their bytes until heal', async () => {
    const { relay, relayPort } = await setup();
    const accepted = far.next();
    const { socket } = await connectVia(relayPort, far.port);
    const server = await accepted;
    relay.partition({ a: 'a', b: 'b' }, 'refuse');
    await assert.rejects(connectVia(relayPort, far.port), { code: 'ECONNREFUSED' });
    const arriving = readBytes(server, 2);
    socket.write('hi');
    assert.equal(await settlesWithin(arriving, 300), false);
    relay.heal({ a: 'b', b: 'a' });
    assert.equal((await arriving).toString(), 'hi');
    const again = await connectVia(relayPort, far.port);
    again.socket.destroy();
    socket.destroy();
  });

  it('reset: open connections are reset and new ones refused; heal lets connects through again', async () => {
    const { relay, relayPort } = await setup();
    const { socket } = await connectVia(relayPort, far.port);
    let error: NodeJS.ErrnoException | undefined;
    socket.on('error', (e) => {
      error = e;
    });
    const closed = new Promise((r) => socket.once('close', r));
    relay.partition({ a: 'a', b: 'b' }, 'reset');
    await closed;
    assert.equal(error?.code, 'ECONNRESET');
    await assert.rejects(connectVia(relayPort, far.port), { code: 'ECONNREFUSED' });
    relay.heal();
    const again = await connectVia(relayPort, far.port);
    again.socket.destroy();
  });

  it('one-way: only bytes from a to b are held; b to a still flows', async () => {
    const { relay, relayPort } = await setup();
    const accepted = far.next();
    const { socket } = await connectVia(relayPort, far.port);
    const server = await accepted;
    relay.partition({ a: 'a', b: 'b', oneWay: true }, 'hold');
    const toB = readBytes(server, 2);
    socket.write('up');
    const toA = readBytes(socket, 4);
    server.write('down');
    assert.equal((await toA).toString(), 'down');
    assert.equal(await settlesWithin(toB, 200), false, 'bytes crossed the cut direction');
    relay.heal();
    assert.equal((await toB).toString(), 'up');
    socket.destroy();
  });

  it('slow: extra delay adds to every crossing, and heal removes it', async () => {
    const { relay, relayPort } = await setup();
    const echoServer = far.next().then((s) => s.pipe(s));
    const { socket } = await connectVia(relayPort, far.port);
    await echoServer;
    relay.slow({ a: 'a', b: 'b' }, 100, undefined);
    const started = performance.now();
    socket.write('x');
    await readBytes(socket, 1);
    const rtt = performance.now() - started;
    assert.ok(rtt >= 220 - 2 * EARLY_MS, `slowed round trip took ${rtt.toFixed(1)} ms, less than 20 + 2 × 100`);
    relay.heal();
    assert.deepEqual(relay.faults.list(), []);
    socket.destroy();
  });

  it('bandwidth cap: 64 KiB at 1,000 kbit/s take at least ~0.5 s', async () => {
    const { relay, relayPort } = await setup();
    const sink = far.next();
    const { socket } = await connectVia(relayPort, far.port);
    const server = await sink;
    relay.slow({ a: 'a', b: 'b', oneWay: true }, undefined, 1000);
    const started = performance.now();
    const got = readBytes(server, 65536);
    socket.write(Buffer.alloc(65536, 7));
    await got;
    const ms = performance.now() - started;
    assert.ok(ms >= 524 + 10 - EARLY_MS, `64 KiB crossed in ${ms.toFixed(0)} ms, faster than 1,000 kbit/s allows`);
    socket.destroy();
  });

  it('a target that resets or closes the connection during the emulated handshake is a refusal, and the relay keeps running', async () => {
    // A node SIGKILLed while a connect to it crosses the link: its socket resets before the RTT has passed.
    let mode: 'reset' | 'close' | 'echo' = 'reset';
    const far = await farServer((s) => {
      if (mode === 'reset') s.resetAndDestroy();
      else if (mode === 'close') s.end();
      else s.pipe(s);
    });
    const { relay, relayPort } = await relayTo(far, 80);
    cleanup.push(() => far.close(), () => relay.stop());
    await assert.rejects(connectVia(relayPort, far.port, 5000));
    mode = 'close';
    await assert.rejects(connectVia(relayPort, far.port, 5000));
    mode = 'echo';
    const { socket } = await connectVia(relayPort, far.port);
    socket.write('ok');
    assert.equal((await readBytes(socket, 2)).toString(), 'ok');
    socket.destroy();
  });
});
