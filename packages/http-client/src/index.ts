import { type Dispatcher, Pool } from 'undici';
import { OriginPools } from './origin-pools.js';
import { wanConnect } from './wan.js';

/** Options of the one dispatcher a process uses for each upstream origin. */
export interface DispatcherOptions {
  /** Max sockets per origin (bounds what a hop can open toward one upstream). */
  readonly connections?: number;
  /** Idle keep-alive socket lifetime in ms. */
  readonly keepAliveTimeoutMs?: number;
  /** Deadline to connect, in ms. */
  readonly connectTimeoutMs?: number;
  /** Deadline to receive response headers, in ms (per-request timeouts may be shorter). */
  readonly headersTimeoutMs?: number;
  /** Deadline between body chunks, in ms. */
  readonly bodyTimeoutMs?: number;
  /** HTTP/1.1 requests in flight per socket; 1 keeps head-of-line blocking out. */
  readonly pipelining?: number;
}

const DEFAULTS: Required<DispatcherOptions> = {
  connections: 64,
  keepAliveTimeoutMs: 4000,
  connectTimeoutMs: 1000,
  headersTimeoutMs: 10000,
  bodyTimeoutMs: 10000,
  pipelining: 1,
};

function undiciOptions(opts: DispatcherOptions): Pool.Options {
  const o = { ...DEFAULTS, ...opts };
  return {
    connections: o.connections,
    pipelining: o.pipelining,
    keepAliveTimeout: o.keepAliveTimeoutMs,
    // Cap what an upstream's keep-alive hint can stretch our idle sockets to.
    keepAliveMaxTimeout: Math.max(o.keepAliveTimeoutMs, 10000),
    headersTimeout: o.headersTimeoutMs,
    bodyTimeout: o.bodyTimeoutMs,
    // With WAN emulation on, connections to other regions go through their relay.
    connect: wanConnect(o.connectTimeoutMs) ?? { timeout: o.connectTimeoutMs },
  };
}

/**
 * The dispatcher factory: one keep-alive pool per origin (see OriginPools for why not undici's Agent).
 * Every component reaches its upstreams through one of these, never through undici's global.
 */
export function createDispatcher(opts: DispatcherOptions = {}): OriginPools {
  return new OriginPools(undiciOptions(opts));
}

/** A pool bound to one origin, for callers that keep per-upstream state (health, ejection). */
export function createPool(origin: string, opts: DispatcherOptions = {}): Pool {
  return new Pool(origin, undiciOptions(opts));
}

export type { Dispatcher };
export { OriginPools } from './origin-pools.js';
export * from './failure.js';
export * from './small-body.js';
export { wanRoutes } from './wan.js';
