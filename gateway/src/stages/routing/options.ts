import type { NodeHealth } from '../forward/node-health.js';
import type { SessionTokens } from './session-token.js';

/** Options of the routing stage. */
export interface RoutingOptions {
  /** This gateway's region: replicas are ranked by RTT from it. */
  readonly region: string;
  /** Checks the client's session token. */
  readonly sessionTokens: SessionTokens;
  /** Ejected nodes are skipped when picking replicas. */
  readonly health: NodeHealth;
}
