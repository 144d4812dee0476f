/**
 * Micro benchmark of the WAN relay's precision: how much more than the RTT
 * matrix's value one request/answer round trip through the relay takes. A
 * client in region a writes 200 bytes to an echo server in region b through a
 * WanRelay (both directions delayed by half the RTT) and waits for the echo,
 * one round trip at a time, for each RTT given. Prints the excess over the RTT
 * at p50 / p90 / p99 and the relay's timer firings per round trip. The
 * relay's timers, not the loopback hops, made most of the excess (~3 ms per
 * round trip before they were armed for the nearest millisecond).
 *
 * `node --import tsx loadtest/src/micro/relay-rtt.ts [--round-trips N] [--rtt 10,75,190]`
 */
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { awaitRelayHandshake, parseAddress, WanRelay } from '@setgate/wan-link';

const { values } = parseArgs({ options: { 'round-trips': { type: 'string', default: '100' }, rtt: { type: 'string', default: '10,75,190' } } });
const roundTrips = Number(values['round-trips']);
const rtts = String(values.rtt).split(',').map(Number);
const PAYLOAD = Buffer.alloc(200, 'x');

const echo = createServer((s) => {
  s.setNoDelay(true);
  s.on('data', (c) => s.write(c));
  s.on('error', () => {});
});
echo.listen(0, '127.0.0.1');
await once(echo, 'listening');
const echoPort = (echo.address() as AddressInfo).port;

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function roundTrip(socket: Socket): Promise<number> {
  return new Promise((resolve) => {
    let got = 0;
    const started = performance.now();
    const onData = (c: Buffer) => {
      got += c.length;
      if (got < PAYLOAD.length) return;
      socket.off('data', onData);
      resolve(performance.now() - started);
    };
    socket.on('data', onData);
    socket.write(PAYLOAD);
  });
}

console.log(`relay round trips: ${roundTrips} per RTT, one at a time, ${PAYLOAD.length} bytes each way`);
console.log('RTT ms  p50 excess ms  p90 excess ms  p99 excess ms  timer firings / round trip');
for (const rtt of rtts) {
  const relay = new WanRelay({
    regions: ['a', 'b'],
    rttMs: { a: { b: rtt }, b: { a: rtt } },
    jitterMs: 0,
    targets: [{ name: 'echo', region: 'b', host: '127.0.0.1', port: echoPort }],
  });
  await relay.start();
  const route = relay.routes().a?.[`127.0.0.1:${echoPort}`];
  if (!route) throw new Error('no route from a to the echo server');
  const socket = connect({ host: '127.0.0.1', port: parseAddress(route).port, noDelay: true });
  await awaitRelayHandshake(socket, { host: '127.0.0.1', port: echoPort }, 0);
  socket.resume();
  await roundTrip(socket); // warm-up
  const firesBefore = relay.status().traffic.timerFires;
  const excess: number[] = [];
  for (let i = 0; i < roundTrips; i++) excess.push((await roundTrip(socket)) - rtt);
  const fires = (relay.status().traffic.timerFires - firesBefore) / roundTrips;
  excess.sort((x, y) => x - y);
  const f = (n: number) => n.toFixed(2).padStart(13);
  console.log(`${String(rtt).padStart(6)}  ${f(quantile(excess, 0.5))}  ${f(quantile(excess, 0.9))}  ${f(quantile(excess, 0.99))}  ${fires.toFixed(2).padStart(26)}`);
  socket.destroy();
  await relay.stop();
}
echo.close();
