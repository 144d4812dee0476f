import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoadedTopology, loadTopologyFile, type Topology } from '@setgate/config';
import { startTelemetry } from '@setgate/telemetry';
import type { FastifyInstance } from 'fastify';
import { parse } from 'yaml';
import { ConfigService } from '../../src/control-plane/config-service.js';
import { buildControlPlaneApp } from '../../src/control-plane/http/app.js';
import { Operations } from '../../src/control-plane/ops/operations.js';
import { OpsService } from '../../src/control-plane/ops/ops-service.js';
import type { ReplicationControl } from '../../src/control-plane/ops/replication-control.js';
import { FileConfigStore } from '../../src/control-plane/store/file-store.js';

export const SHIPPED = new URL('../../topology.yaml', import.meta.url).pathname;

/** The development tokens whose hashes the shipped topology lists. */
export const TOKENS = {
  admin: 'setgate-dev-admin-token-0001',
  operator: 'setgate-dev-operator-token-0001',
  viewer: 'setgate-dev-viewer-token-0001',
} as const;

export const bearer = (role: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[role]}` });

/** The shipped topology as a mutable plain document. */
export function shippedDoc(): Topology {
  return parse(readFileSync(SHIPPED, 'utf8')) as Topology;
}

/** A temp dir removed by the returned function. */
export function tempDir(prefix = 'setgate-cp-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Fixture {
  readonly app: FastifyInstance;
  readonly service: ConfigService;
  readonly operations: Operations;
  readonly seed: LoadedTopology;
  close(): Promise<void>;
}

const telemetry = startTelemetry({ service: 'control-plane', instance: 'test', logLevel: 'silent' });

/** An in-process control plane over a file store in a temp dir, bootstrapped from the shipped topology. */
export async function controlPlaneFixture(opts: { control?: ReplicationControl; watchTimeoutMs?: number } = {}): Promise<Fixture> {
  const tmp = tempDir();
  const seed = loadTopologyFile(SHIPPED);
  const store = await FileConfigStore.open(tmp.dir);
  const service = new ConfigService(store);
  await service.bootstrap(seed, 'test');
  const operations = new Operations();
  const ops = new OpsService({ service, operations, control: opts.control, catchUpTimeoutMs: 2000 });
  const app = buildControlPlaneApp({
    telemetry,
    tokens: seed.controlPlane?.tokens ?? [],
    service,
    ops,
    operations,
    watchTimeoutMs: opts.watchTimeoutMs ?? 2000,
  });
  await app.ready();
  return {
    app,
    service,
    operations,
    seed,
    close: async () => {
      await app.close();
      service.close();
      await store.close();
      tmp.remove();
    },
  };
}
