import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadedTopology } from '@setgate/config';
import { rebindTopology, signDevToken, type Stack, type StackOptions, startStack } from '@setgate/launcher';
import type { InstanceRef } from '@setgate/topology';

export const SHIPPED_TOPOLOGY = new URL('../../config/topology.yaml', import.meta.url).pathname;
/** `npm start`'s script, compiled (`npm test` builds before the integration stage). */
export const START_SCRIPT = new URL('../../launcher/.tsbuild/src/start.js', import.meta.url).pathname;

/** A temp dir with the shipped topology rebound to free ports. */
export async function freshTopology(
  edit?: (doc: Record<string, unknown>) => void,
): Promise<{ dir: string; configPath: string; topology: LoadedTopology; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'setgate-it-'));
  const configPath = join(dir, 'topology.json');
  const topology = await rebindTopology(SHIPPED_TOPOLOGY, configPath, edit);
  return { dir, configPath, topology, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * An edit that keeps one region of the shipped topology (its proxy, gateways and two sets) and
 * places every shard on those sets: 6 processes instead of 16, for a test whose subject is not
 * the regions (each full start costs a busy 2-core machine tens of seconds).
 */
export function oneRegion(region = 'us-east'): (doc: Record<string, unknown>) => void {
  return (doc) => {
    doc.regions = (doc.regions as Array<{ name: string }>).filter((r) => r.name === region);
    doc.rtt = [];
    const sets = (doc.sets as Array<{ name: string; region: string }>).filter((s) => s.region === region);
    doc.sets = sets;
    doc.placements = (doc.placements as Array<Record<string, unknown>>).map((p, i) => {
      const leader = sets[i % sets.length]?.name;
      const follower = sets[(i + 1) % sets.length]?.name;
      // Both replicas are in the one region, so the in-sync replica cannot be in another.
      return { ...p, leader, replicas: [leader, follower], insyncRule: 'any' };
    });
  };
}

export interface TestStack extends Stack {
  /** Directory holding `<instance>.log` for every component. */
  readonly logDir: string;
  token(sub: string): Promise<string>;
  entry(region: string): string;
  close(): Promise<void>;
}

/** Starts the topology (or part of it) as real processes; close() stops them and removes the data. */
export async function startTestStack(
  opts: {
    only?: (i: InstanceRef) => boolean;
    edit?: (doc: Record<string, unknown>) => void;
    /** How long each component may take to be ready (the launcher's default otherwise); a busy 2-core box needs more. */
    readyTimeoutMs?: number;
    /** Extra environment for every component. */
    env?: Record<string, string>;
  } = {},
): Promise<TestStack> {
  const t = await freshTopology(opts.edit);
  const stackOpts: StackOptions = {
    configPath: t.configPath,
    dataDir: join(t.dir, 'data'),
    logDir: join(t.dir, 'logs'),
    only: opts.only,
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: opts.readyTimeoutMs }),
  };
  let stack: Stack;
  try {
    stack = await startStack(stackOpts);
  } catch (err) {
    t.cleanup();
    throw err;
  }
  return Object.assign(stack, {
    logDir: join(t.dir, 'logs'),
    token: (sub: string) => signDevToken(t.topology, { sub }),
    entry: (region: string) => {
      const proxy = t.topology.regions.find((r) => r.name === region)?.proxies[0];
      if (!proxy) throw new Error(`no proxy in ${region}`);
      return stack.url(proxy.id);
    },
    close: async () => {
      await stack.stop();
      t.cleanup();
    },
  });
}

/** True when nothing accepts connections on host:port. */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

/** Every traffic and admin port of a topology, the control plane's included. */
export function allPorts(t: LoadedTopology): number[] {
  return [
    ...t.regions.flatMap((r) => [...r.proxies, ...r.gateways]),
    ...t.sets.flatMap((s) => s.nodes),
    ...(t.controlPlane ? [t.controlPlane] : []),
  ].flatMap((l) => [l.port, l.adminPort]);
}

/**
 * How many times its nominal deadline a test waits for a state to arrive
 * (`SETGATE_TEST_WAIT_SCALE`, default 4). Deadlines are written as a quiet machine
 * would need them; on a busy CI box every state comes later, and a wait that is met
 * early costs nothing, so only a test that is failing anyway waits the longer time.
 */
export const WAIT_SCALE = Number(process.env.SETGATE_TEST_WAIT_SCALE ?? 4);

/**
 * Polls `check` every 50 ms until it returns a value (a check that throws counts as not yet);
 * throws after `timeoutMs` × WAIT_SCALE.
 */
export async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const budget = timeoutMs * WAIT_SCALE;
  const deadline = Date.now() + budget;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${budget} ms waiting for ${what}`);
    await sleep(50);
  }
}
