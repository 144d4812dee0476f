import type { LoadedTopology } from '@setgate/config';
import type { HopSecrets } from '@setgate/contracts';
import type { DispatcherOptions } from '@setgate/http-client';
import type { ServiceLimits, TlsFiles } from '@setgate/service-kit';
import type { Telemetry } from '@setgate/telemetry';
import type { RoutingTable } from '@setgate/topology';
import type { GatewayTarget } from './gateway-directory.js';

/** The `regionalProxy` section of a loaded topology: region choice, tenant residency, health. */
export type RegionalPolicy = LoadedTopology['regionalProxy'];

/** How a regional proxy is built; `component.ts` derives it from the topology. */
export interface RegionalProxyOptions {
  readonly telemetry: Telemetry;
  /** The proxy's own region: the entry region it stamps on every request, and the home region by default. */
  readonly region: string;
  /** Gateways of every region the proxy may route to; each gets one bounded keep-alive pool. */
  readonly gateways: readonly GatewayTarget[];
  /**
   * The route table of the topology version the proxy runs: command
   * residency is matched with it, and its view's RTT matrix orders regions
   * nearest first.
   */
  readonly routes: RoutingTable;
  /** Region and health policy; default: the `regionalProxy` section of the routes' topology. */
  readonly policy?: RegionalPolicy;
  /** Listener limits (the topology's `limits`); the body limit is enforced on the streamed body. */
  readonly limits?: Partial<ServiceLimits>;
  /**
   * Deadline for a gateway's response headers (and between body chunks); past
   * it the client gets 504. Should exceed the gateway's slowest command timeout
   * so the gateway, which knows more, answers first. Default 5000.
   */
  readonly upstreamTimeoutMs?: number;
  /** Pool settings per gateway origin: connection bound, keep-alive, connect timeout. */
  readonly pool?: DispatcherOptions;
  /** Retry-After, in seconds, on 503 answers. Default 1. */
  readonly retryAfterSec?: number;
  /**
   * Most gateways one request is sent to. Default 3: both gateways of a
   * region that just died, then one in the next region.
   */
  readonly maxAttempts?: number;
  /**
   * The stack's hop secrets: the current one goes to gateways in x-setgate-hop, so they believe
   * this proxy's X-Forwarded-For. Omitted: hops are unauthenticated (development, in-process tests).
   */
  readonly hopSecrets?: HopSecrets;
  /** HTTPS on the traffic listener from these files, reloaded when they change (the instance's `tls`); omitted: HTTP. */
  readonly tls?: TlsFiles;
  /**
   * Workers of this proxy process (service-kit's workers.ts). Each enforces its share of the per-proxy
   * fairness figures (a client's in-flight requests and connections), so the process keeps the configured ones;
   * each keeps its own gateway pools. Default 1.
   */
  readonly workers?: number;
}

export const DEFAULT_UPSTREAM_TIMEOUT_MS = 5000;
export const DEFAULT_RETRY_AFTER_SEC = 1;
export const DEFAULT_MAX_ATTEMPTS = 3;
