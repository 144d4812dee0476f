import type { ServerResponse } from 'node:http';

// The client whose slot a response holds, read back when it closes (no closure per request).
const CLIENT = Symbol('setgate.clientSlot');
type Slotted = ServerResponse & { [CLIENT]?: string };

/**
 * Requests in flight per client, against one cap: a client past it waits
 * while everyone else is still served. The map holds only clients with a
 * request in flight (an entry goes with its last request), so it never has
 * more entries than the process has requests in flight.
 */
export class ClientSlots {
  private readonly counts = new Map<string, number>();
  private readonly releaseOnClose: (this: Slotted) => void;

  constructor(readonly maxPerClient: number) {
    const slots = this;
    this.releaseOnClose = function (this: Slotted) {
      const client = this[CLIENT];
      if (client !== undefined) slots.release(client);
    };
  }

  /** Takes a slot for `client`; false when it already holds `maxPerClient`. */
  tryAcquire(client: string): boolean {
    const held = this.counts.get(client) ?? 0;
    if (held >= this.maxPerClient) return false;
    this.counts.set(client, held + 1);
    return true;
  }

  /**
   * Takes a slot held until `response` closes (finished or aborted alike: 'close'
   * fires once per response, so a slot cannot leak); false when the client is at its cap.
   */
  holdUntilClosed(client: string, response: ServerResponse): boolean {
    if (!this.tryAcquire(client)) return false;
    (response as Slotted)[CLIENT] = client;
    // `on`, not `once`: a response closes once, and `once` allocates a wrapper per request.
    response.on('close', this.releaseOnClose);
    return true;
  }

  /** Gives back a slot taken by tryAcquire. */
  release(client: string): void {
    const held = this.counts.get(client);
    if (held === undefined) return;
    if (held <= 1) this.counts.delete(client);
    else this.counts.set(client, held - 1);
  }

  /** Requests `client` has in flight. */
  held(client: string): number {
    return this.counts.get(client) ?? 0;
  }

  /** Clients with a request in flight. */
  get clients(): number {
    return this.counts.size;
  }
}
