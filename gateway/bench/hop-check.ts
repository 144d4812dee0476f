/**
 * What authenticating a hop costs the listener that checks it, side by side
 * in one process (`npm run bench -- hop-check`): the same listener built
 * twice, with the stack's hop secret and without, each fed the headers its
 * caller sends, in alternating batches, each's CPU time read (paired-batches.ts).
 *
 * Two checks are measured, with the code the components run:
 * - `gateway`: the gateway's header-hygiene stage (request-context before it,
 *   as in app.ts), checking a regional proxy's `x-setgate-hop` and believing its
 *   X-Forwarded-For; without a secret it judges the proxy by address alone.
 * - `node`: service-kit's listener check (`requireHop`), the `authorization:
 *   Bearer <secret>` every node listener asks of gateways and peers, on a
 *   listener with the HTTP metrics a node installs (its onRequest hooks are
 *   what a further hook joins).
 * What a hop's sender adds (one header on a request it builds anyway) and the
 * header's bytes on the wire are left to the process benchmarks (gateway, path).
 *
 * `node --import tsx gateway/bench/hop-check.ts [--pairs N] [--batch N]` prints one JSON line: each check's samples.
 */
import { parseArgs } from 'node:util';
import { Header, HopSecrets } from '@setgate/contracts';
import { createService, installHttpMetrics } from '@setgate/service-kit';
import { HttpServerMetrics, startTelemetry } from '@setgate/telemetry';
import type { FastifyInstance } from 'fastify';
import { headerHygieneStage } from '../src/stages/header-hygiene/plugin.js';
import { requestContextStage } from '../src/stages/request-context/plugin.js';
import { type Batcher, loopbackBatcher, pairedBatches } from './paired-batches.js';

/**
 * One check measured: CPU µs per request (client and listener, one process) of each batch, with the
 * secret and without, in pair order (`withSecretUs[i]` ran beside `withoutSecretUs[i]`). The
 * statistics are the bench harness's (loadtest/src/bench/hop-check).
 */
export interface HopCheckSamples {
  readonly check: 'gateway' | 'node';
  readonly withSecretUs: readonly number[];
  readonly withoutSecretUs: readonly number[];
  readonly perBatch: number;
}

const SECRET = 'bench-hop-secret-0123456789abcdef';
const PROXY_PEER = '127.0.0.1';

/** A gateway's first two stages and a route, as app.ts registers them. */
function gatewayListener(secrets: HopSecrets | undefined): FastifyInstance {
  const telemetry = startTelemetry({ service: 'gateway', instance: 'hop-check' });
  const app = createService({ telemetry, accessLog: false });
  app.register(requestContextStage);
  app.register(headerHygieneStage, { trustedProxies: [`${PROXY_PEER}/32`], ...(secrets ? { hopSecrets: secrets } : {}) });
  app.get('/v1/profile', async (request) => ({ client: request.setgate.clientAddress }));
  return app;
}

/** A node's listener as set-runtime's app.ts builds it (service-kit's hop check, HTTP metrics), before a route. */
function nodeListener(secrets: HopSecrets | undefined): FastifyInstance {
  const telemetry = startTelemetry({ service: 'set-runtime', instance: 'hop-check' });
  const app = createService({ telemetry, accessLog: false, requireHop: { secrets, refuse: () => new Error('refused') } });
  installHttpMetrics(app, { metrics: new HttpServerMetrics(telemetry.meter, { 'setgate.node': 'hop-check' }) });
  app.get('/cmd/profile/:key', async () => ({ ok: true }));
  return app;
}

/** Starts `app` on loopback and sends it `GET path` with `headers`. */
async function subject(app: FastifyInstance, path: string, headers: Record<string, string>): Promise<Batcher> {
  const url = await app.listen({ host: PROXY_PEER, port: 0 });
  return loopbackBatcher(url, { method: 'GET', path, headers }, () => app.close());
}

/** The check priced over `pairs` pairs (paired-batches.ts): with the secret as A, without as B. */
async function paired(
  check: HopCheckSamples['check'],
  build: (withSecret: boolean) => Promise<Batcher>,
  pairs: number,
  perBatch: number,
): Promise<HopCheckSamples> {
  // Both builds share this process, so no couple carries a luck of its own: the pairs are pooled.
  const couples = await pairedBatches(build, pairs, { perBatch });
  const cpu = (side: 'a' | 'b') => couples.flatMap((c) => c[side].map((x) => x.cpuUs));
  return { check, withSecretUs: cpu('a'), withoutSecretUs: cpu('b'), perBatch };
}

export async function measureHopChecks(pairs: number, perBatch: number): Promise<HopCheckSamples[]> {
  const secrets = new HopSecrets(SECRET);
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
  // What a regional proxy sends a gateway, and a gateway a node, besides the secret (request-headers.ts, upstream-headers.ts).
  const fromProxy = {
    'x-forwarded-for': '203.0.113.7',
    authorization: 'Bearer client-token',
    [Header.entryRegion]: 'us-east',
    [Header.region]: 'us-east',
    [Header.requestId]: 'hop-check-request',
    traceparent,
  };
  const fromGateway = {
    [Header.key]: 'bench-user-0',
    [Header.shard]: '18',
    [Header.epoch]: '1',
    [Header.subject]: 'bench-user-0',
    [Header.command]: 'profile.get',
    [Header.configVersion]: '1',
    [Header.requestId]: 'hop-check-request',
    traceparent,
  };
  const gateway = await paired(
    'gateway',
    (hop) => subject(gatewayListener(hop ? secrets : undefined), '/v1/profile', hop ? { ...fromProxy, 'x-setgate-hop': SECRET } : fromProxy),
    pairs,
    perBatch,
  );
  const node = await paired(
    'node',
    (hop) => subject(nodeListener(hop ? secrets : undefined), '/cmd/profile/bench-user-0', hop ? { ...fromGateway, authorization: secrets.bearer } : fromGateway),
    pairs,
    perBatch,
  );
  return [gateway, node];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { pairs: { type: 'string', default: '200' }, batch: { type: 'string', default: '500' } } });
  const pairs = Number(values.pairs);
  const batch = Number(values.batch);
  if (!Number.isInteger(pairs) || pairs < 1 || !Number.isInteger(batch) || batch < 1) {
    process.stderr.write('usage: hop-check [--pairs N] [--batch N] (whole numbers of 1 or more)\n');
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(await measureHopChecks(pairs, batch))}\n`);
  process.exit(0);
}
