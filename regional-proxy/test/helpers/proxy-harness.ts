import { defaultTopologyPath, loadTopologyFile, validateTopology } from '@setgate/config';
import { startTelemetry, type Telemetry } from '@setgate/telemetry';
import { buildRoutingTable, type RoutingTable } from '@setgate/topology';
import type { FastifyInstance } from 'fastify';
import { Agent, type Dispatcher, request } from 'undici';
import { buildRegionalProxy, type GatewayTarget, type RegionalProxyOptions } from '../../src/index.js';

/** One telemetry per test process: startTelemetry registers global providers. */
let shared: Telemetry | undefined;
export function testTelemetry(): Telemetry {
  shared ??= startTelemetry({ service: 'regional-proxy', instance: 'test-proxy', logLevel: 'silent' });
  return shared;
}

/** Client options of one request, without the dispatcher the harness supplies. */
export type SendOptions = Omit<NonNullable<Parameters<typeof request>[1]>, 'dispatcher'>;

export interface RunningProxy {
  readonly app: FastifyInstance;
  readonly url: string;
  /** Sends a request to the proxy through a client of the test's own. */
  send(path: string, opts?: SendOptions): Promise<Dispatcher.ResponseData<unknown>>;
  close(): Promise<void>;
}

/** Something with a traffic URL and a health URL: a gateway stub, or a dead address for both. */
export interface Reachable {
  readonly url: string;
  readonly healthUrl: string;
}

/** Gateways `<region>-gw-<n>` for the given stubs. */
export function gatewaysIn(region: string, stubs: readonly Reachable[]): GatewayTarget[] {
  return stubs.map((s, i) => ({ id: `${region}-gw-${i + 1}`, region, url: s.url, healthUrl: s.healthUrl }));
}

/** Gateways of the proxy's own region (us-east) for the given stubs. */
export function usEastGateways(stubs: readonly Reachable[]): GatewayTarget[] {
  return gatewaysIn('us-east', stubs);
}

/**
 * Fast checks, so tests that exercise health see it change within tens of
 * milliseconds. A dead gateway refuses at once; the generous probe timeout
 * keeps a live one from looking dead on a loaded machine.
 */
export const FAST_HEALTH = { intervalMs: 50, timeoutMs: 1000, healthyThreshold: 3, unhealthyThreshold: 2, passiveFailures: 3 };

/** Health that never changes within a test: isolates forwarding and retry behaviour from detection. */
export const STEADY_HEALTH = { intervalMs: 60_000, timeoutMs: 200, healthyThreshold: 1, unhealthyThreshold: 1000, passiveFailures: 1000 };

/**
 * The route table of the shipped topology (three regions and their RTTs),
 * with `edit` applied to the parsed document first: a `regionalProxy`
 * section, residency on a command.
 */
export function testRoutes(edit?: (doc: Record<string, unknown>) => void): RoutingTable {
  const shipped = loadTopologyFile(defaultTopologyPath());
  if (!edit) return buildRoutingTable(shipped);
  // A loaded topology is frozen; a structured clone is a plain document to edit and validate again.
  const doc = structuredClone(shipped) as unknown as Record<string, unknown>;
  edit(doc);
  const result = validateTopology(doc);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return buildRoutingTable(result.topology);
}

/** Sets the topology's `regionalProxy` section (fast health unless given). */
export function withPolicy(policy: Record<string, unknown>): (doc: Record<string, unknown>) => void {
  return (doc) => {
    doc.regionalProxy = { health: FAST_HEALTH, ...policy };
  };
}

/**
 * Starts a us-east regional proxy on an ephemeral loopback port. Health is
 * steady unless the routes say otherwise: tests of forwarding must not depend
 * on probe timing.
 */
export async function startProxy(
  gateways: readonly GatewayTarget[],
  overrides: Partial<RegionalProxyOptions> = {},
): Promise<RunningProxy> {
  const app = buildRegionalProxy({
    telemetry: testTelemetry(),
    region: 'us-east',
    gateways,
    routes: overrides.routes ?? testRoutes(withPolicy({ health: STEADY_HEALTH })),
    ...overrides,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const client = new Agent({ keepAliveTimeout: 1000 });
  return {
    app,
    url,
    send: (path, opts = {}) => request(`${url}${path}`, { dispatcher: client, ...opts }),
    async close() {
      await client.close();
      await app.close();
    },
  };
}
