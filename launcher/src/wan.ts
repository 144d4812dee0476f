import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedTopology } from '@setgate/config';
import type { ComponentSpec, Supervisor } from '@setgate/process-supervisor';
import { TopologyView } from '@setgate/topology';
import { WAN_ROUTES_ENV, WanAdminClient, type WanPlan, type WanTarget } from '@setgate/wan-link';

/** WAN emulation of a launched stack (`startStack({ wan })`, `npm start -- --wan`). */
export interface WanOptions {
  /** Extra one-way delay per chunk, uniform in [0, jitterMs) (default 0). */
  readonly jitterMs?: number;
  /**
   * The region the control plane (and its replicas) sits in: connections to it from
   * other regions cross the WAN, and its probes and fences to other regions' nodes too.
   * Default: the topology's first region (us-east in config/topology.yaml).
   */
  readonly controlPlaneRegion?: string;
  /** Port of the relay's admin endpoint (default: a free one). */
  readonly adminPort?: number;
}

/** A started relay: its admin URL and, per region, the route map its processes get. */
export interface WanLink {
  readonly adminUrl: string;
  readonly controlPlaneRegion: string;
  readonly routes: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** File (mode 0600) holding the token the admin endpoint wants, for `setgate wan` in another shell. */
  readonly tokenFile: string;
  /** The environment a process of `region` needs (empty for a region without routes). */
  envFor(region: string): Record<string, string>;
  /** A client of the relay's admin endpoint (partition, slow, heal, status). */
  admin(): WanAdminClient;
}

/** Where a loopback topology's relay listens: a loopback address no component binds. */
export const RELAY_LOOPBACK = '127.0.0.2';

/** Process name of the relay in a stack's supervisor. */
export const WAN_RELAY_ID = 'wan-link';

/** The control plane's region: the option, else the topology's first region. */
export function controlPlaneRegion(topology: LoadedTopology, opts: WanOptions = {}): string {
  const region = opts.controlPlaneRegion ?? topology.regions[0]?.name;
  if (!region || !topology.regions.some((r) => r.name === region)) throw new Error(`WAN: unknown control-plane region "${region}"`);
  return region;
}

/**
 * What the relay emulates for a topology: its regions and RTT matrix, and every
 * endpoint another region connects to — gateways (proxies reach them), nodes'
 * traffic and admin listeners (gateways, replication, the control plane reach
 * them) and the control plane's listeners (everyone watches it). Regional
 * proxies are left out: only clients, who sit in no region, connect to them.
 */
export function wanPlan(topology: LoadedTopology, opts: WanOptions = {}, extraControlPlanePorts: readonly number[] = []): WanPlan {
  const regions = topology.regions.map((r) => r.name);
  const rttMs: Record<string, Record<string, number>> = Object.fromEntries(regions.map((r) => [r, {}]));
  for (const l of topology.rtt) {
    (rttMs[l.a] as Record<string, number>)[l.b] = l.ms;
    (rttMs[l.b] as Record<string, number>)[l.a] = l.ms;
  }
  const targets: WanTarget[] = [];
  for (const i of new TopologyView(topology).allInstances()) {
    if (i.kind === 'regional-proxy') continue;
    targets.push({ name: `${i.id} traffic`, region: i.region, host: i.host, port: i.port });
    targets.push({ name: `${i.id} admin`, region: i.region, host: i.host, port: i.adminPort });
  }
  const cp = topology.controlPlane;
  if (cp) {
    const region = controlPlaneRegion(topology, opts);
    for (const [name, port] of [
      ['api', cp.port],
      ['admin', cp.adminPort],
      ...extraControlPlanePorts.map((p, n) => [`replica ${n + 2}`, p] as const),
    ] as const) {
      targets.push({ name: `${cp.id} ${name}`, region, host: cp.host, port });
    }
  }
  // The topology's ports were picked free on 127.0.0.1 but are bound only as its processes start:
  // relay listeners (and their outgoing sockets) on another loopback address can never take one.
  const loopback = targets.every((t) => t.host.startsWith('127.'));
  return {
    regions,
    rttMs,
    jitterMs: opts.jitterMs ?? 0,
    targets,
    ...(loopback ? { host: RELAY_LOOPBACK, upstreamLocalAddress: RELAY_LOOPBACK } : {}),
    ...(opts.adminPort !== undefined ? { adminPort: opts.adminPort } : {}),
  };
}

/**
 * Starts the relay process under `supervisor` (before anything else, so every
 * component gets its routes at spawn) and reads its routes back.
 */
export async function startWanLink(
  supervisor: Supervisor,
  plan: WanPlan,
  opts: { dataDir: string; logDir?: string; env: Readonly<Record<string, string>>; internalToken: string; readyTimeoutMs?: number; controlPlaneRegion: string },
): Promise<WanLink> {
  mkdirSync(opts.dataDir, { recursive: true });
  const planPath = join(opts.dataDir, 'wan-plan.json');
  writeFileSync(planPath, JSON.stringify(plan, null, 2));
  // The token goes to a file only its owner reads, never to the banner or a log.
  const tokenFile = join(opts.dataDir, 'wan-admin-token');
  writeFileSync(tokenFile, opts.internalToken, { mode: 0o600 });
  chmodSync(tokenFile, 0o600);
  const spec: ComponentSpec = {
    name: WAN_RELAY_ID,
    entry: fileURLToPath(import.meta.resolve('@setgate/wan-link/main')),
    args: ['--plan', planPath, '--id', WAN_RELAY_ID],
    env: opts.env,
    logFile: opts.logDir ? join(opts.logDir, `${WAN_RELAY_ID}.log`) : undefined,
    readyTimeoutMs: opts.readyTimeoutMs,
  };
  await supervisor.start(spec);
  const adminUrl = supervisor.ready.get(WAN_RELAY_ID)?.url;
  if (!adminUrl) throw new Error('the WAN relay reported no admin URL');
  const admin = () => new WanAdminClient(adminUrl, opts.internalToken);
  const routes = await admin().routes();
  return {
    adminUrl,
    controlPlaneRegion: opts.controlPlaneRegion,
    routes,
    tokenFile,
    envFor: (region): Record<string, string> => {
      const r = routes[region];
      return r && Object.keys(r).length > 0 ? { [WAN_ROUTES_ENV]: JSON.stringify(r) } : {};
    },
    admin,
  };
}

/** Reads `--wan` and `--wan-jitter-ms N` from `npm start` arguments; undefined when WAN emulation is off. */
export function wanFromArgs(argv: readonly string[]): WanOptions | undefined {
  if (!argv.includes('--wan')) return undefined;
  const i = argv.indexOf('--wan-jitter-ms');
  const jitter = i >= 0 ? Number(argv[i + 1]) : 0;
  if (!(jitter >= 0)) throw new Error('--wan-jitter-ms must be a number ≥ 0');
  const r = argv.indexOf('--wan-control-plane-region');
  return { jitterMs: jitter, ...(r >= 0 && argv[r + 1] ? { controlPlaneRegion: argv[r + 1] as string } : {}) };
}
