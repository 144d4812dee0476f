import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Header } from '@setgate/contracts';
import { shardOf, type TopologyView } from '@setgate/topology';
import { Agent, request } from 'undici';
import { startTestStack, type TestStack } from './harness.js';

/**
 * Issue 14's metrics on real processes: mixed traffic through a proxy, a gateway
 * and their nodes (writes, replica reads, a 401, a bad token, a 404, a 429, sheds, a
 * stale fallback after the write-point is killed), then every component's admin
 * `/metrics` is scraped, checked with `promtool check metrics`, and the series of
 * each kind of request are asserted with the counts the client saw.
 */
const REGION = 'ap-south';
const PROXY = 'ap-south-proxy-1';
const GATEWAY = 'ap-south-gw-1';
const LEADER = 'us-east-a-1';
const REPLICA = 'ap-south-a-1';
const ANONYMOUS_MAX = 2;
/** Low enough that a burst of low-priority reads is shed for in-flight load, never for event-loop delay. */
const MAX_IN_FLIGHT = 2;
const READY_TIMEOUT_MS = 180_000;
const DEADLINE_MS = 120_000;
const REQUEST_BOUND_MS = 20_000;

/** A subject whose shard is led by LEADER with a replica on REPLICA. */
function pickSubject(view: TopologyView): string {
  for (let i = 0; i < 10_000; i++) {
    const sub = `metrics-${i}`;
    const shard = shardOf(sub, view.shardCount);
    if (view.writePoint(shard).id === LEADER && view.placement(shard).replicas.includes('ap-south-a')) return sub;
  }
  throw new Error(`no shard led by ${LEADER} with a replica in ap-south-a`);
}

/** What the client saw, to compare with the counters. */
interface Seen {
  /** Answers to the writes by status (a 503 is a write refused unapplied and sent again). */
  readonly putStatuses: Record<string, number>;
  readonly replicaReads: number;
  readonly writePointReads: number;
  readonly limited: number;
  readonly shed: number;
  readonly staleReads: number;
  readonly proxied: number;
}

const WRITES = 3;

interface Answer {
  readonly status: number;
  readonly code: string | undefined;
  readonly node: string | undefined;
  readonly read: string | undefined;
  readonly session: string | undefined;
}

const DASHBOARDS = new URL('../../deploy/grafana/dashboards/', import.meta.url).pathname;

/** Every metric a dashboard's queries read, by dashboard file (label names and PromQL functions left out). */
function dashboardSeries(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const file of readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'))) {
    const doc = JSON.parse(readFileSync(`${DASHBOARDS}${file}`, 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    const names = new Set<string>();
    for (const target of doc.panels.flatMap((p) => p.targets ?? [])) {
      const bare = target.expr.replace(/\b(?:by|without|on|ignoring)\s*\([^)]*\)/g, '').replace(/\{[^}]*\}/g, '');
      for (const m of bare.matchAll(/\b(?:setgate|http|nodejs|v8js|process)_[a-z0-9_]+/g)) names.add(m[0]);
    }
    out.set(file, names);
  }
  return out;
}

/** The names of every sample in a Prometheus text scrape. */
function exportedNames(text: string): Set<string> {
  return new Set(text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => /^[A-Za-z_:][\w:]*/.exec(l)?.[0] ?? ''));
}

function lint(component: string, text: string): void {
  const res = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(res.error, undefined, `promtool could not run (Debian's prometheus package): ${res.error?.message}`);
  assert.equal(res.status, 0, `promtool check metrics on ${component}: ${res.stdout}${res.stderr}`);
}

/** The value of the one sample of `name` whose labels include every pair of `labels`; 0 when the series exists at 0. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let found: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf('}'));
    const pairs = body.split(/,(?=[a-z_]+=")/);
    if (want.every((w) => pairs.includes(w))) found = (found ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return found;
}

describe('metrics at every hop (real processes, promtool)', () => {
  let stack: TestStack;
  let client: Agent;
  let sub = '';

  before(async () => {
    stack = await startTestStack({
      only: (i) => [PROXY, GATEWAY, LEADER, REPLICA].includes(i.id),
      readyTimeoutMs: READY_TIMEOUT_MS,
      edit: (doc) => {
        const regions = doc.regions as Array<{ name: string; gateways: Array<{ id: string }> }>;
        const r = regions.find((x) => x.name === REGION);
        if (r) r.gateways = r.gateways.filter((g) => g.id === GATEWAY);
        // Two of a shard's nodes run: a write is acknowledged by its write-point alone.
        for (const p of doc.placements as Array<Record<string, unknown>>) Object.assign(p, { mode: 'async', minInsync: 0 });
        // The write-point is killed on purpose: no failover may move it.
        doc.failover = { ...(doc.failover as Record<string, unknown>), paused: true };
        const gateway = doc.gateway as Record<string, Record<string, unknown>>;
        gateway.rateLimit = { ...gateway.rateLimit, anonymous: { max: ANONYMOUS_MAX, windowMs: 600_000 } };
        gateway.admission = { ...gateway.admission, maxInFlight: MAX_IN_FLIGHT, maxEventLoopDelayMs: 60_000 };
        const commands = doc.commands as Array<Record<string, unknown>>;
        const profile = commands.find((c) => c.name === 'profile.get') as Record<string, unknown>;
        commands.push({ ...profile, name: 'profile.get-low', path: '/v1/profile/low', priority: 'low' });
        commands.push({ ...profile, name: 'public.profile', path: '/v1/public/:id', key: { from: 'param', name: 'id' }, anonymous: true });
        doc.regionalProxy = { health: { intervalMs: 1000, timeoutMs: 3000, unhealthyThreshold: 3 } };
      },
    });
    client = new Agent({ connections: 64, keepAliveTimeout: 2000 });
    sub = pickSubject(stack.view);
  });
  after(async () => {
    await client?.close();
    await stack?.close();
  });

  const call = async (url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> => {
    const res = await request(url, { ...init, dispatcher: client, headersTimeout: REQUEST_BOUND_MS, bodyTimeout: REQUEST_BOUND_MS });
    const text = await res.body.text();
    const one = (h: string) => (typeof res.headers[h] === 'string' ? (res.headers[h] as string) : undefined);
    let code: string | undefined;
    if (res.statusCode >= 400) code = (JSON.parse(text) as { code?: string }).code;
    return { status: res.statusCode, code, node: one(Header.node), read: one('x-setgate-read'), session: one(Header.session) };
  };
  const scrape = async (id: string): Promise<string> => {
    const i = stack.view.instance(id);
    assert.ok(i);
    const res = await request(`http://${i.host}:${i.adminPort}/metrics`, { dispatcher: client });
    assert.equal(res.statusCode, 200);
    return res.body.text();
  };

  it('counts every kind of request where it happened, and every scrape passes promtool', async () => {
    const entry = stack.entry(REGION);
    const gw = stack.url(GATEWAY);
    const auth = { authorization: `Bearer ${await stack.token(sub)}` };

    // Present at zero before any traffic: counters of the bounded label sets.
    const fresh = await scrape(GATEWAY);
    lint(GATEWAY, fresh);
    assert.equal(sample(fresh, 'setgate_gateway_auth_failures_total', { setgate_reason: 'invalid_token' }), 0);
    assert.equal(sample(fresh, 'setgate_gateway_reads_total', { setgate_read_source: 'stale_fallback' }), 0);
    assert.equal(sample(fresh, 'setgate_gateway_shed_total', { setgate_priority: 'critical', setgate_reason: 'hard_cap' }), 0);
    assert.equal(sample(fresh, 'setgate_gateway_rate_limited_total', { setgate_rate_limit_class: 'anonymous', setgate_mode: 'local' }), 0);
    assert.equal(sample(fresh, 'setgate_config_reload_failures_total', { setgate_reason: 'refused' }), 0);

    const seen = await mixedTraffic(entry, gw, auth);
    const [proxyText, gatewayText, replicaText] = [await scrape(PROXY), await scrape(GATEWAY), await scrape(REPLICA)];
    for (const [id, text] of [
      [PROXY, proxyText],
      [GATEWAY, gatewayText],
      [REPLICA, replicaText],
    ] as const) {
      lint(id, text);
      for (const runtime of ['nodejs_eventloop_utilization', 'v8js_memory_heap_used', 'process_cpu_time_total', 'setgate_config_version', 'setgate_config_age']) {
        assert.ok(text.includes(`\n${runtime}{`), `${id} exports ${runtime}`);
      }
      assert.ok(!/_ms[{ ]/.test(text), `${id}: no metric is in ms`);
    }

    // Every series a dashboard reads is one the components export (the control plane's failover series included).
    const cp = stack.topology.controlPlane;
    assert.ok(cp);
    const cpRes = await request(`http://${cp.host}:${cp.adminPort}/metrics`, { dispatcher: client });
    const cpText = await cpRes.body.text();
    lint(cp.id, cpText);
    const exported = new Set([proxyText, gatewayText, replicaText, cpText].flatMap((t) => [...exportedNames(t)]));
    for (const [file, names] of dashboardSeries()) {
      const missing = [...names].filter((n) => !exported.has(n));
      assert.deepEqual(missing, [], `${file} reads series no component exports`);
      assert.ok(names.size > 0, `${file} reads some series`);
    }

    assertGateway(gatewayText, seen);
    assertProxy(proxyText, seen);
    assertNode(replicaText, seen, sub);
  });

  /** Writes, replica reads, two 401s and a 404 through the proxy; a 429, a shed burst and stale fallbacks at the gateway. */
  async function mixedTraffic(entry: string, gw: string, auth: Record<string, string>): Promise<Seen> {
    // Writes through the proxy; a write refused unapplied (a lease lapsing on a loaded machine) is sent again.
    let session = '';
    const putStatuses: Record<string, number> = {};
    const writeDeadline = performance.now() + DEADLINE_MS;
    for (let written = 0; written < WRITES; ) {
      assert.ok(performance.now() < writeDeadline, `writes kept failing: ${JSON.stringify(putStatuses)}`);
      const a = await call(`${entry}/v1/profile`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ displayName: `Metrics ${written}`, locale: 'en-GB' }),
      });
      putStatuses[a.status] = (putStatuses[a.status] ?? 0) + 1;
      if (a.status === 200 || a.status === 201) {
        assert.equal(a.node, LEADER);
        session = a.session ?? session;
        written++;
      } else {
        assert.equal(a.status, 503, JSON.stringify(a));
        await sleep(500);
      }
    }
    // Reads through the proxy, served by the replica in the gateway's region once it caught up.
    let replicaReads = 0;
    let writePointReads = 0;
    const deadline = performance.now() + DEADLINE_MS;
    while (replicaReads < 3) {
      assert.ok(performance.now() < deadline, 'the replica never served a read');
      const a = await call(`${entry}/v1/profile`, { headers: { ...auth, [Header.session]: session } });
      assert.equal(a.status, 200, JSON.stringify(a));
      if (a.node === REPLICA) replicaReads++;
      else writePointReads++;
    }
    // Refusals: no credentials, a bad token (both 401), a path that is no command (404).
    assert.equal((await call(`${entry}/v1/profile`)).code, 'SETGATE_GW_UNAUTHENTICATED');
    assert.equal((await call(`${entry}/v1/profile`, { headers: { authorization: 'Bearer not-a-jwt' } })).code, 'SETGATE_GW_INVALID_TOKEN');
    assert.equal((await call(`${entry}/v1/nowhere`, { headers: auth })).status, 404);
    // Anonymous reads past the anonymous limit: 429.
    let limited = 0;
    for (let i = 0; i < ANONYMOUS_MAX + 2; i++) {
      if ((await call(`${gw}/v1/public/${sub}`)).status === 429) limited++;
    }
    assert.equal(limited, 2, 'the anonymous limit refused what went past it');
    // A burst of low-priority reads straight at the gateway: those arriving over the in-flight threshold are shed.
    const burst = await Promise.all(Array.from({ length: 40 }, () => call(`${gw}/v1/profile/low`, { headers: auth })));
    const shed = burst.filter((a) => a.code === 'SETGATE_GW_OVERLOADED').length;
    assert.ok(shed > 0, `nothing was shed: ${burst.map((a) => a.status).join(' ')}`);

    // Everything so far that went through the proxy: writes, reads, two 401s and a 404.
    const proxied = Object.values(putStatuses).reduce((a, b) => a + b, 0) + replicaReads + writePointReads + 3;

    // The write-point killed: once the replica is staler than profile.get's bound, reads are stale fallbacks.
    const leader = stack.supervisor.get(LEADER);
    assert.ok(leader);
    leader.kill('SIGKILL');
    await leader.exited;
    let staleReads = 0;
    const fallbackDeadline = performance.now() + DEADLINE_MS;
    while (staleReads < 1) {
      assert.ok(performance.now() < fallbackDeadline, 'no read was served as a stale fallback');
      const a = await call(`${gw}/v1/profile`, { headers: auth });
      if (a.read === 'stale-fallback') staleReads++;
      else if (a.status === 200 && a.node === REPLICA) replicaReads++;
      await sleep(500);
    }

    return { putStatuses, replicaReads, writePointReads, limited, shed, staleReads, proxied };
  }
});

function assertGateway(gatewayText: string, { putStatuses, limited, shed, staleReads, replicaReads, writePointReads }: Seen): void {
  // Gateway: server requests by command and status, in seconds; stage outcomes; attempts on nodes.
  const cmd = (command: string, status: number) => ({ setgate_command: command, http_response_status_code: String(status) });
  for (const [status, count] of Object.entries(putStatuses)) {
    assert.equal(sample(gatewayText, 'http_server_request_duration_count', cmd('profile.put', Number(status))), count, `profile.put ${status}`);
  }
  assert.equal(sample(gatewayText, 'http_server_request_duration_count', { http_route: '/v1/profile', http_request_method: 'PUT', setgate_region: REGION }) ?? 0, Object.values(putStatuses).reduce((a, b) => a + b, 0));
  assert.equal(sample(gatewayText, 'http_server_request_duration_count', { http_route: '_unmatched', http_response_status_code: '404' }), 1);
  assert.equal(sample(gatewayText, 'http_server_request_duration_count', cmd('profile.get', 401)), 2);
  assert.equal(sample(gatewayText, 'http_server_request_duration_count', cmd('public.profile', 429)), limited);
  assert.equal(sample(gatewayText, 'http_server_request_duration_count', cmd('profile.get-low', 503)), shed);
  assert.ok((sample(gatewayText, 'http_server_request_duration_bucket', { setgate_command: 'profile.put', le: '10' }) ?? 0) >= WRITES);
  assert.equal(sample(gatewayText, 'setgate_gateway_auth_failures_total', { setgate_reason: 'missing_credentials' }), 1);
  assert.equal(sample(gatewayText, 'setgate_gateway_auth_failures_total', { setgate_reason: 'invalid_token' }), 1);
  assert.equal(sample(gatewayText, 'setgate_gateway_rate_limited_total', { setgate_rate_limit_class: 'anonymous', setgate_mode: 'local' }), limited);
  assert.equal(sample(gatewayText, 'setgate_gateway_shed_total', { setgate_priority: 'low', setgate_reason: 'in_flight' }), shed);
  assert.equal(sample(gatewayText, 'setgate_gateway_reads_total', { setgate_read_source: 'stale_fallback' }), staleReads);
  assert.ok((sample(gatewayText, 'setgate_gateway_reads_total', { setgate_read_source: 'replica' }) ?? 0) >= replicaReads);
  assert.ok((sample(gatewayText, 'setgate_gateway_reads_total', { setgate_read_source: 'write_point' }) ?? 0) >= writePointReads);
  assert.ok(
    (sample(gatewayText, 'http_client_request_duration_count', { setgate_node: LEADER, setgate_set: 'us-east-a', setgate_outcome: 'ok' }) ?? 0) >= WRITES,
    'attempts on the write-point',
  );
  assert.ok(
    (sample(gatewayText, 'http_client_request_duration_count', { setgate_node: LEADER, setgate_outcome: 'refused' }) ?? 0) +
      (sample(gatewayText, 'http_client_request_duration_count', { setgate_node: LEADER, setgate_outcome: 'ejected' }) ?? 0) >
      0,
    'attempts on the killed write-point are refused (or eject it)',
  );
  assert.ok(/^http_server_active_requests\{[^}]*\} \d+$/m.test(gatewayText));
  assert.ok((sample(gatewayText, 'http_server_request_body_size_count', { setgate_command: 'profile.put' }) ?? 0) >= WRITES);

}

function assertProxy(proxyText: string, { proxied }: Seen): void {
  // Proxy: its own requests (one catch-all route, never the client's path) and its attempts on the gateway.
  // The catch-all route's template, as fastify reports it.
  const forwarded = ['*', '/*'].reduce((n, route) => n + (sample(proxyText, 'http_server_request_duration_count', { http_route: route, setgate_region: REGION }) ?? 0), 0);
  assert.ok(forwarded >= proxied, `proxy counted ${forwarded} of ${proxied}`);
  assert.ok(!proxyText.includes('/v1/nowhere'), 'no raw path in a label');
  assert.ok((sample(proxyText, 'http_client_request_duration_count', { setgate_gateway: GATEWAY, setgate_outcome: 'ok' }) ?? 0) >= proxied);

}

function assertNode(replicaText: string, { replicaReads, staleReads }: Seen, sub: string): void {
  // Node (the replica): requests by route template, set and node; the session-token wait series exist.
  const nodeReads = sample(replicaText, 'http_server_request_duration_count', { setgate_node: REPLICA, setgate_set: 'ap-south-a', http_request_method: 'GET', http_response_status_code: '200' });
  assert.ok((nodeReads ?? 0) >= replicaReads + staleReads, `replica reads ${nodeReads}`);
  assert.ok(!replicaText.includes(sub), 'no key in a label');
  assert.notEqual(sample(replicaText, 'setgate_node_session_waits_total', { setgate_outcome: 'timed_out' }), undefined);
  assert.ok(replicaText.includes('\nsetgate_replication_staleness_seconds{'));
}
