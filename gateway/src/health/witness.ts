import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type HopSecrets, NodePath } from '@setgate/contracts';
import { createDispatcher, type Dispatcher } from '@setgate/http-client';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';

/** Where the witness route lives on the gateway's admin listener. */
export const WITNESS_PATH = '/_setgate/witness';

/** One node as this gateway's witness saw it just now. */
export interface WitnessObservation {
  readonly node: string;
  readonly reachable: boolean;
  /** Why not: 'refused' (nothing listens: a dead process), 'timeout' (slow or partitioned), 'error', 'unknown-node'. */
  readonly failure?: 'refused' | 'timeout' | 'error' | 'unknown-node';
  readonly detail?: string;
  readonly ms: number;
}

/** The witness route's answer: who looked, from where, how starved it was, and what it saw. */
export interface WitnessReport {
  readonly witness: string;
  readonly region: string;
  /** The longest event-loop stall this gateway had while it made these checks (a starved witness's "down" is no evidence). */
  readonly lagMs: number;
  readonly observations: readonly WitnessObservation[];
}

export interface WitnessOptions {
  readonly id: string;
  readonly region: string;
  /** Traffic URL of a node of the topology in force, by id (undefined: not a node). */
  readonly nodeUrl: (id: string) => string | undefined;
  /** The stack's hop secrets; when set, callers must present one, and the node probes carry the current one. */
  readonly secrets?: HopSecrets | undefined;
}

const MAX_NODES = 64;
/** The longest check a question may ask for. */
const MAX_TIMEOUT_MS = 10_000;
/** Probe pools kept, one per timeout asked for; past this many, the old ones are closed. */
const MAX_PROBE_POOLS = 4;

/** Loop-delay sampling while questions come: fine enough to see a stall of a fraction of a check's timeout. */
const STALL_RESOLUTION_MS = 20;
/** The watch stops this long after the last question (the controller asks every round while a node is suspect). */
const STALL_WATCH_KEEP_MS = 10_000;

/**
 * This gateway's event-loop stalls, watched only while the controller is asking.
 * Node's delay histogram records nothing at its first tick (it has no previous
 * one), so a watch that starts waits two ticks before the checks begin: the
 * first question after a quiet spell is answered ~40 ms later, the rest at once.
 */
class StallWatch {
  private histogram: IntervalHistogram | undefined;
  private warm: Promise<unknown> = Promise.resolve();
  private idle: NodeJS.Timeout | undefined;

  async begin(): Promise<void> {
    clearTimeout(this.idle);
    if (!this.histogram) {
      this.histogram = monitorEventLoopDelay({ resolution: STALL_RESOLUTION_MS });
      this.histogram.enable();
      this.warm = sleep(2 * STALL_RESOLUTION_MS);
    }
    await this.warm;
  }

  /** The longest stall since the watch began or since the previous answer, in ms. */
  end(): number {
    const lagMs = this.histogram ? Math.round(this.histogram.max / 1e6) : 0;
    this.histogram?.reset();
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop(), STALL_WATCH_KEEP_MS);
    this.idle.unref();
    return lagMs;
  }

  stop(): void {
    clearTimeout(this.idle);
    this.histogram?.disable();
    this.histogram = undefined;
  }
}

/**
 * The gateway as a failover witness (DESIGN.md: a quorum of witnesses in
 * several regions decides that a write-point is down). The failover
 * controller asks `GET /_setgate/witness?nodes=a,b&timeoutMs=800` on the
 * admin listener; the gateway probes each named node's traffic health route
 * from ITS region, the path its own requests take, and answers what it saw.
 * Only nodes of the gateway's topology are probed (never a URL from the
 * caller). The controller counts a witness it cannot ask as no vote, and one
 * that reports a long event-loop stall as no vote either.
 */
export function registerWitness(admin: FastifyInstance, opts: WitnessOptions): void {
  const stalls = new StallWatch();
  // Probes take the path the gateway's own forwards take: with WAN emulation on, a node in another region is
  // reached through the link's relay, so a partitioned region's nodes look unreachable to witnesses outside it
  // (undici's global dispatcher went around the relay, every witness saw a cut-off node up, and a partitioned
  // region was never failed over). The relay's emulated connect is bounded by the dispatcher's connect
  // timeout, not by the request's signal, so each question's timeout gets its own (the controller always
  // asks with the same one: a handful at most).
  const probes = new Map<number, Dispatcher>();
  const probesFor = (timeoutMs: number): Dispatcher => {
    let d = probes.get(timeoutMs);
    if (!d) {
      if (probes.size >= MAX_PROBE_POOLS) {
        for (const old of probes.values()) void old.close();
        probes.clear();
      }
      d = createDispatcher({ connections: 2, connectTimeoutMs: timeoutMs });
      probes.set(timeoutMs, d);
    }
    return d;
  };
  admin.addHook('onClose', async () => {
    stalls.stop();
    await Promise.all([...probes.values()].map((d) => d.close()));
  });
  admin.get<{ Querystring: { nodes?: string; timeoutMs?: string } }>(WITNESS_PATH, async (req, reply): Promise<WitnessReport | undefined> => {
    if (opts.secrets && !opts.secrets.acceptsBearer(req.headers.authorization)) {
      reply.code(401).type('application/problem+json');
      return reply.send({ type: 'about:blank', title: 'Internal token missing or wrong', status: 401, code: 'SETGATE_GW_WITNESS_UNAUTHORIZED' });
    }
    const ids = (req.query.nodes ?? '').split(',').filter((s) => s.length > 0).slice(0, MAX_NODES);
    const timeoutMs = Math.min(MAX_TIMEOUT_MS, Math.max(50, Number(req.query.timeoutMs) || 800));
    // The stall that can fake a timeout is one while this gateway's own checks run (or since its last answer,
    // while the controller keeps asking): the loop is watched only then, not 20 times a second for nobody.
    await stalls.begin();
    const dispatcher = probesFor(timeoutMs);
    const observations = await Promise.all(ids.map((id) => observe(dispatcher, id, opts.nodeUrl(id), timeoutMs, opts.secrets)));
    return { witness: opts.id, region: opts.region, lagMs: stalls.end(), observations };
  });
}

async function observe(dispatcher: Dispatcher, node: string, url: string | undefined, timeoutMs: number, secrets: HopSecrets | undefined): Promise<WitnessObservation> {
  if (!url) return { node, reachable: false, failure: 'unknown-node', ms: 0 };
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const res = await request(`${url}${NodePath.health}`, {
      dispatcher,
      // The signal bounds the connect too: a host that drops packets must fail the check, not hang it.
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      // The node's traffic listener lets only setgate components in.
      ...(secrets ? { headers: { authorization: secrets.bearer } } : {}),
    });
    await res.body.dump();
    if (res.statusCode === 200) return { node, reachable: true, ms: ms() };
    return { node, reachable: false, failure: 'error', detail: `health answered ${res.statusCode}`, ms: ms() };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const failure = e.code === 'ECONNREFUSED' ? 'refused' : e.name === 'TimeoutError' || e.name === 'AbortError' || /timeout/i.test(e.message) ? 'timeout' : 'error';
    // An aborted check carries a numeric DOMException code; its name says more.
    return { node, reachable: false, failure, detail: typeof e.code === 'string' ? e.code : e.name, ms: ms() };
  }
}
