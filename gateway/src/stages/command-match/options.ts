import type { RoutingTableRef } from '@setgate/topology';

/** Options of the command-match stage. */
export interface CommandMatchOptions {
  /** The one reference to the live routing table; a hot reload swaps what it holds. */
  readonly routes: RoutingTableRef;
}
