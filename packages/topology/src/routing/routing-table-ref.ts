import type { RoutingTable } from './routing-table.js';

/**
 * The one reference to the live routing table. Readers take `current` once per
 * request and keep it; a hot reload builds a new table beside the old one and
 * swaps it here, so a request never sees half of two versions.
 */
export class RoutingTableRef {
  #current: RoutingTable;

  constructor(initial: RoutingTable) {
    this.#current = initial;
  }

  /** The table new requests route by. */
  get current(): RoutingTable {
    return this.#current;
  }

  /** Makes `next` live and returns the table it replaced. */
  swap(next: RoutingTable): RoutingTable {
    const previous = this.#current;
    this.#current = next;
    return previous;
  }
}
