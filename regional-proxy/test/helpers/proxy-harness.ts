import { startTelemetry, type Telemetry } from '@setgate/telemetry';
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

/** Gateways of the proxy's own region (us-east) for the given stub URLs. */
export function usEastGateways(urls: readonly string[]): GatewayTarget[] {
  return urls.map((url, i) => ({ id: `us-east-gw-${i + 1}`, region: 'us-east', url }));
}

/** Starts a us-east regional proxy on an ephemeral loopback port. */
export async function startProxy(
  gateways: readonly GatewayTarget[],
  overrides: Partial<RegionalProxyOptions> = {},
): Promise<RunningProxy> {
  const app = buildRegionalProxy({ telemetry: testTelemetry(), region: 'us-east', gateways, ...overrides });
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
