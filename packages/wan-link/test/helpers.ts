import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { awaitRelayHandshake } from '../src/handshake.js';
import type { WanPlan } from '../src/plan.js';
import { WanRelay } from '../src/relay.js';
import { parseAddress } from '../src/routes.js';

/** A TCP server in region "b" that keeps its sockets, so a test can write from the far side. */
export interface FarServer {
  readonly server: Server;
  readonly port: number;
  readonly sockets: Socket[];
  /** Resolves with the next accepted socket. */
  next(): Promise<Socket>;
  close(): Promise<void>;
}

export async function farServer(onSocket?: (s: Socket) => void): Promise<FarServer> {
  const sockets: Socket[] = [];
  const waiters: Array<(s: Socket) => void> = [];
  const server = createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {});
    sockets.push(s);
    onSocket?.(s);
    waiters.shift()?.(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    sockets,
    next: () => new Promise((r) => waiters.push(r)),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Two regions a and b with the given RTT, and the far server as the only target in b. */
export async function relayTo(far: FarServer, rttMs: number, jitterMs = 0): Promise<{ relay: WanRelay; relayPort: number }> {
  const plan: WanPlan = {
    regions: ['a', 'b'],
    rttMs: { a: { b: rttMs }, b: { a: rttMs } },
    jitterMs,
    targets: [{ name: 'far', region: 'b', host: '127.0.0.1', port: far.port }],
  };
  const relay = new WanRelay(plan);
  await relay.start();
  const route = relay.routes().a?.[`127.0.0.1:${far.port}`];
  if (!route) throw new Error('no route from a to the far server');
  return { relay, relayPort: parseAddress(route).port };
}

/** Connects from region a through the relay; resolves after the handshake with the time it took. */
export async function connectVia(relayPort: number, farPort: number, timeoutMs = 0): Promise<{ socket: Socket; connectMs: number }> {
  const started = performance.now();
  const socket = connect({ host: '127.0.0.1', port: relayPort, allowHalfOpen: true });
  await awaitRelayHandshake(socket, { host: '127.0.0.1', port: farPort }, timeoutMs);
  socket.resume();
  return { socket, connectMs: performance.now() - started };
}

/** Resolves with everything read from `s` once `n` bytes have arrived. */
export function readBytes(s: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= n) {
        s.off('data', onData);
        s.off('error', reject);
        resolve(Buffer.concat(chunks));
      }
    };
    s.on('data', onData);
    s.once('error', reject);
  });
}

/** Settles false when `p` has not settled within `ms` (for "nothing passes while cut" checks). */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  const done = p.then(
    () => true as const,
    () => true as const,
  );
  const settled = await Promise.race([done, timeout]);
  clearTimeout(timer);
  return settled;
}
