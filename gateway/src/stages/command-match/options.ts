import type { RoutingTableRef } from '../../routing-table/routing-table-ref.js';

/** Options of the command-match stage. */
export interface CommandMatchOptions {
  /** The one reference to the live routing table; a hot reload swaps what it holds. */
  readonly routes: RoutingTableRef;
}
