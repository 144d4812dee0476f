import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { loadTopologyFile } from '@setgate/config';
import { shardOf, TopologyView } from '@setgate/topology';
import { Agent, request } from 'undici';
import { SHIPPED_TOPOLOGY, startTestStack, type TestStack } from './harness.js';

/**
 * Short checks so the drill runs in seconds. Active checks alone take a
 * region out after at most unhealthyThreshold × (intervalMs + timeoutMs) =
 * 2.3 s (a killed gateway refuses at once, so ~300 ms here); passive detection
 * and cross-region retries move traffic sooner. The long probe timeout keeps
 * a live gateway on a loaded machine from looking dead.
 */
const HEALTH = { intervalMs: 150, timeoutMs: 1000, healthyThreshold: 5, unhealthyThreshold: 2, passiveFailures: 2 };
/**
 * The promise: traffic is served by the next region within 5 s. The
 * expected switch is well under a second; 5 s leaves room for a loaded 2-core
 * machine running eight processes and this load at once.
 */
const SWITCH_BOUND_MS = 5000;
/** How long after the kill errors are counted as "during the switch". */
const SWITCH_PHASE_MS = 3000;
/** Concurrent clients and a hard cap on requests: the load is bounded whatever happens. */
const WORKERS = 8;
const MAX_REQUESTS = 60_000;

interface Outcome {
  readonly start: number;
  readonly end: number;
  /** HTTP status, or 0 when the request failed without one. */
  readonly status: number;
  readonly region: string | undefined;
}

describe('regional failover under load (real processes)', () => {
  const source = new TopologyView(loadTopologyFile(SHIPPED_TOPOLOGY));
  const sub = 'failover-drill-user';
  // A cart read has no staleness allowance: the key's write-point serves it, so no other node is needed.
  const writePoint = source.writePoint(shardOf(sub, source.shardCount)).id;
  const usEastGateways = source.gatewaysOf('us-east').map((g) => g.id);
  let stack: TestStack;
  let client: Agent;

  before(async () => {
    // us-east's proxy and gateways, eu-west's gateways and the key's write-point; ap-south's gateways stay on
    // paper, so the proxy also has to find them down and skip them.
    stack = await startTestStack({
      only: (i) =>
        i.kind === 'regional-proxy'
          ? i.region === 'us-east'
          : i.kind === 'gateway'
            ? i.region !== 'ap-south'
            : i.id === writePoint,
      edit: (doc) => {
        doc.regionalProxy = { health: HEALTH };
      },
    });
    client = new Agent({ connections: WORKERS, keepAliveTimeout: 2000 });
  });
  after(async () => {
    await client?.close();
    await stack?.close();
  });

  it('moves to the next region within the bound with ≤1% errors, then returns after the hysteresis', async () => {
    const entry = stack.entry('us-east');
    const headers = { authorization: `Bearer ${await stack.token(sub)}` };
    const outcomes: Outcome[] = [];
    let stopAt = Number.POSITIVE_INFINITY;
    const worker = async () => {
      while (performance.now() < stopAt && outcomes.length < MAX_REQUESTS) {
        const start = performance.now();
        try {
          const res = await request(`${entry}/v1/cart`, { headers, dispatcher: client });
          await res.body.dump();
          const region = res.headers['x-setgate-region'];
          outcomes.push({ start, end: performance.now(), status: res.statusCode, region: region as string | undefined });
        } catch {
          outcomes.push({ start, end: performance.now(), status: 0, region: undefined });
        }
      }
    };
    const load = Promise.all(Array.from({ length: WORKERS }, worker));
    const servedBy = (region: string, from: number) => outcomes.filter((o) => o.start >= from && o.region === region);
    const failed = (o: Outcome) => o.status === 0 || o.status >= 500;
    try {
      await sleep(1000);
      assert.ok(outcomes.length > 0 && outcomes.every((o) => o.status === 200 && o.region === 'us-east'), 'steady in us-east');

      const killedAt = performance.now();
      for (const id of usEastGateways) stack.supervisor.get(id)?.kill('SIGKILL');
      await sleep(SWITCH_PHASE_MS);
      const firstEuWest = outcomes.filter((o) => o.end >= killedAt && o.region === 'eu-west').sort((a, b) => a.end - b.end)[0];
      assert.ok(firstEuWest, 'eu-west took the traffic');
      const switchMs = firstEuWest.end - killedAt;
      const phase = outcomes.filter((o) => o.end >= killedAt && o.start < killedAt + SWITCH_PHASE_MS);
      const phaseErrors = phase.filter(failed).length;
      const afterSwitch = outcomes.filter((o) => o.start >= firstEuWest.end);
      process.stdout.write(
        `# switch ${switchMs.toFixed(0)} ms; ${phaseErrors}/${phase.length} errors during the switch; ` +
          `${afterSwitch.length} requests after it\n`,
      );
      assert.ok(switchMs <= SWITCH_BOUND_MS, `switched after ${switchMs.toFixed(0)} ms`);
      assert.ok(phaseErrors <= phase.length * 0.01, `${phaseErrors} of ${phase.length} failed during the switch`);
      assert.ok(afterSwitch.length > 0);
      assert.deepEqual(afterSwitch.filter(failed), [], 'no error once eu-west serves');
      assert.ok(afterSwitch.every((o) => o.region === 'eu-west'), 'never the unstarted ap-south: eu-west is nearer');

      const restarts = usEastGateways.map(async (id) => {
        await stack.supervisor.restart(id);
        return performance.now();
      });
      const firstUp = Math.min(...(await Promise.all(restarts)));
      // Bounded wait for traffic to come home: the hysteresis plus a generous allowance for a loaded machine.
      const homeBy = performance.now() + 15_000;
      while (servedBy('us-east', firstUp).length === 0 && performance.now() < homeBy) await sleep(50);
      const home = servedBy('us-east', firstUp).sort((a, b) => a.end - b.end)[0];
      assert.ok(home, 'traffic came back to us-east');
      await sleep(500);
      stopAt = performance.now();
      await load;

      // The gateway's admin listener answers checks just before it reports ready, hence one interval of slack.
      const hysteresisMs = (HEALTH.healthyThreshold - 2) * HEALTH.intervalMs;
      process.stdout.write(`# back in us-east ${(home.end - firstUp).toFixed(0)} ms after the gateways were ready\n`);
      assert.ok(home.end - firstUp >= hysteresisMs, `back after ${(home.end - firstUp).toFixed(0)} ms, before the hysteresis`);
      const later = outcomes.filter((o) => o.start >= home.end);
      assert.ok(later.length > 0);
      assert.ok(
        later.every((o) => o.status === 200 && o.region === 'us-east'),
        'once back, it stays back: no flapping, no errors',
      );
    } finally {
      stopAt = 0;
      await load;
    }

    const status = (await (await request(`${stack.view.instance('us-east-proxy-1')?.adminUrl}/status`)).body.json()) as {
      regions: Array<{ region: string; healthy: boolean; gateways: Array<{ state: string }> }>;
    };
    assert.deepEqual(
      status.regions.map((r) => [r.region, r.healthy]),
      [
        ['us-east', true],
        ['eu-west', true],
        ['ap-south', false],
      ],
    );
  });
});
