import { createPool, type Dispatcher } from '@setgate/http-client';
import type { GatewayHealth } from './gateway-health.js';

/** Timing of active checks (the `regionalProxy.health` config section). */
export interface CheckTiming {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** The interval for a healthy gateway with no request for this long; absent: always intervalMs. */
  readonly noTrafficIntervalMs?: number;
}

/** One gateway to probe: where its health endpoint is and whom to tell. */
export interface ProbeTarget {
  /** Full URL of the gateway's health endpoint, e.g. http://127.0.0.1:7111/_setgate/health. */
  readonly healthUrl: string;
  readonly health: GatewayHealth;
}

interface Probe {
  readonly target: ProbeTarget;
  readonly path: string;
  readonly pool: Dispatcher;
  timer: NodeJS.Timeout | undefined;
}

/**
 * What the next check of a gateway waits: the no-traffic interval only while it is healthy, its last
 * check passed and it has been idle that long. A failed check brings the next one back to intervalMs,
 * so a gateway that died while idle is out after one slow interval plus unhealthyThreshold − 1 fast ones.
 */
export function nextCheckInMs(health: Pick<GatewayHealth, 'healthy' | 'lastCheckFailed' | 'idleForMs'>, timing: CheckTiming): number {
  const slow = timing.noTrafficIntervalMs;
  if (slow === undefined || slow <= timing.intervalMs || !health.healthy || health.lastCheckFailed) return timing.intervalMs;
  return health.idleForMs() >= slow ? slow : timing.intervalMs;
}

/**
 * Active health checks: every gateway is probed every `intervalMs` (every
 * `noTrafficIntervalMs` while healthy and carrying no request), each
 * probe bounded by `timeoutMs`; a 2xx in time is a success, anything else a
 * failure. Probes of one gateway never overlap (the next is scheduled when the
 * previous ends), and each gateway has its own one-socket keep-alive pool from
 * the dispatcher factory, so checks neither queue behind traffic nor open a
 * connection per probe. Timers are unref'd: checks never keep a process alive.
 */
export class HealthChecker {
  private readonly probes: Probe[];
  private stopped = false;

  constructor(
    targets: readonly ProbeTarget[],
    private readonly timing: CheckTiming,
  ) {
    this.probes = targets.map((target) => {
      const url = new URL(target.healthUrl);
      return {
        target,
        path: `${url.pathname}${url.search}`,
        pool: createPool(url.origin, { connections: 1, connectTimeoutMs: timing.timeoutMs }),
        timer: undefined,
      };
    });
  }

  /** Starts probing; the first round runs at once so a dead gateway is found without waiting an interval. */
  start(): void {
    for (const probe of this.probes) void this.run(probe);
  }

  /** Stops probing and closes the probe pools. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const probe of this.probes) clearTimeout(probe.timer);
    await Promise.allSettled(this.probes.map((p) => p.pool.destroy()));
  }

  private async run(probe: Probe): Promise<void> {
    if (this.stopped) return;
    const error = await this.check(probe);
    if (this.stopped) return;
    if (error === undefined) probe.target.health.checkSucceeded();
    else probe.target.health.checkFailed(error);
    probe.timer = setTimeout(() => void this.run(probe), nextCheckInMs(probe.target.health, this.timing));
    probe.timer.unref();
  }

  /** One probe: undefined on success, otherwise why it failed. */
  private async check(probe: Probe): Promise<string | undefined> {
    const { timeoutMs } = this.timing;
    try {
      const res = await probe.pool.request({
        method: 'GET',
        path: probe.path,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body.dump();
      return res.statusCode >= 200 && res.statusCode < 300 ? undefined : `status ${res.statusCode}`;
    } catch (err) {
      // undici errors carry a string code; the abort signal's DOMException a numeric one and a name.
      const e = err as { code?: unknown; name?: string; message?: string };
      return typeof e.code === 'string' ? e.code : (e.name ?? String(e.message));
    }
  }
}
