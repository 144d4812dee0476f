import type { HopSecrets } from '@setgate/contracts';
import type { Dispatcher } from '@setgate/http-client';
import type { Tracer } from '@setgate/telemetry';
import type { NodeAttemptMetrics } from '../../metrics/node-attempts.js';
import type { RoutingTableRef } from '@setgate/topology';
import type { SessionTokens } from '../routing/session-token.js';
import type { NodeHealth } from './node-health.js';
import type { RetryBudget } from './retry-budget.js';

/** Options of the forward stage. */
export interface ForwardOptions {
  /** The process's one dispatcher (from `createDispatcher`); it keeps a pool per node. */
  readonly dispatcher: Dispatcher;
  /** This gateway's region, for re-planning after a refresh. */
  readonly region: string;
  /** The live routing table; read again after a refresh. */
  readonly routes: RoutingTableRef;
  /**
   * Reloads the routing table from config (after a node's 421) and swaps it
   * into `routes`. Omitted: a 421 is answered at once with a 502.
   */
  readonly refresh?: () => Promise<void>;
  /** Passive outlier ejection: forward reports every outcome to it. */
  readonly health: NodeHealth;
  /** Bounds retries to a fraction of requests. */
  readonly budget: RetryBudget;
  /** Issues the session token a write returns. */
  readonly sessionTokens: SessionTokens;
  /** Opens a client span per attempt (only under a recorded server span). Omitted: no attempt spans. */
  readonly tracer?: Tracer;
  /** Records each attempt's duration and outcome (`http.client.request.duration`). Omitted: not recorded. */
  readonly attempts?: NodeAttemptMetrics;
  /** The stack's hop secrets: the current one goes to every node as `authorization: Bearer`. */
  readonly hopSecrets?: HopSecrets;
}
