/**
 * Micro benchmark of `RoutingTable.match`, the lookup every gateway and
 * regional-proxy request pays, on the shipped topology (config/topology.yaml)
 * and on the config bench's 10,000-command one. Prints ns per match for each
 * request shape (the best round: on a shared machine the slower ones measure
 * the neighbours) and the time to build the table. Not a test: the figures
 * depend on the machine; run it before and after a change to the router, on
 * an idle machine (or under the bench lock).
 *
 * `node --import tsx loadtest/src/micro/route-match.ts [--iterations N] [--rounds R]`
 */
import { parseArgs } from 'node:util';
import { defaultTopologyPath, type LoadedTopology, loadTopologyFile, validateTopology } from '@setgate/config';
import { buildRoutingTable, type RoutingTable } from '@setgate/topology';
import { bigTopology } from '../bench/benchmarks/config.js';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '7' },
  },
});
const iterations = Number(values.iterations);
const rounds = Number(values.rounds);

/** One request shape: what the table is asked (in turn, when several URLs), and whether it must find a command. */
interface Probe {
  readonly label: string;
  readonly method: string;
  readonly url: string;
  readonly hit: boolean;
  readonly urls?: readonly string[];
}

const shippedProbes: readonly Probe[] = [
  { label: 'static', method: 'GET', url: '/v1/profile', hit: true },
  { label: 'static, deeper', method: 'GET', url: '/v1/cart/summary', hit: true },
  { label: 'param', method: 'DELETE', url: '/v1/cart/items/sku-42', hit: true },
  { label: 'param + query', method: 'DELETE', url: '/v1/cart/items/sku-42?trace=1&x=2', hit: true },
  { label: 'param, percent-encoded', method: 'DELETE', url: '/v1/cart/items/sku%2042', hit: true },
  { label: 'unknown path (404)', method: 'GET', url: '/v1/nothing/here', hit: false },
  { label: 'known path, other method', method: 'POST', url: '/v1/profile', hit: false },
];

const bigProbes: readonly Probe[] = [
  { label: 'param (the config bench request)', method: 'GET', url: '/v1/c4242/items/user-42', hit: true },
  { label: 'param, first command', method: 'GET', url: '/v1/c0/items/user-42', hit: true },
  { label: 'param, last command', method: 'PUT', url: '/v1/c9999/items/user-42', hit: true },
  {
    label: 'param, 1,000 commands in turn',
    method: 'GET',
    url: '/v1/c0/items/user-0, /v1/c10/items/user-10, …',
    hit: true,
    urls: Array.from({ length: 1000 }, (_, i) => `/v1/c${i * 10}/items/user-${i}`),
  },
  { label: 'param + query', method: 'GET', url: '/v1/c4242/items/user-42?trace=1', hit: true },
  { label: 'unknown path (404)', method: 'GET', url: '/v1/c10001/items/user-42', hit: false },
  { label: 'known path, other method', method: 'PUT', url: '/v1/c4242/items/user-42', hit: false },
];

/** ns per match of `probe`, in the best round. */
function measure(table: RoutingTable, probe: Probe): number {
  const urls = probe.urls ?? [probe.url];
  for (const url of urls) {
    if ((table.match(probe.method, url) !== null) !== probe.hit) throw new Error(`${probe.method} ${url}: expected ${probe.hit ? 'a match' : 'no match'}`);
  }
  const perRound: number[] = [];
  // Keeps the result alive so the loop cannot be optimised away.
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) {
      if (table.match(probe.method, urls[i % urls.length] as string) !== null) sink++;
    }
    perRound.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  if (sink === -1) process.stdout.write('');
  return Math.min(...perRound);
}

function buildMs(topology: LoadedTopology): number {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    buildRoutingTable(topology, { reuseRouter: false });
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[3] ?? 0;
}

function run(name: string, topology: LoadedTopology, probes: readonly Probe[]): void {
  const table = buildRoutingTable(topology, { reuseRouter: false });
  process.stdout.write(`${name}: ${topology.commands.length} commands, build (router compiled) ${buildMs(topology).toFixed(2)} ms\n`);
  for (const probe of probes) {
    const ns = measure(table, probe);
    process.stdout.write(`  ${ns.toFixed(1).padStart(7)} ns/match  ${probe.label}: ${probe.method} ${probe.url}\n`);
  }
}

const big = validateTopology(bigTopology(1, 0));
if (!big.ok) throw new Error(`synthetic topology refused: ${big.problems[0]?.message}`);
process.stdout.write(`${iterations} matches per round, best of ${rounds} rounds\n`);
run('shipped', loadTopologyFile(defaultTopologyPath()), shippedProbes);
run('big', big.topology, bigProbes);
