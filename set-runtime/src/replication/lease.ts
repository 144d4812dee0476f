/**
 * The write-point's lease: it may accept writes only while it has heard the
 * current config within `leaseMs` (a file reload or a `PUT /internal/topology`
 * renews it), so a leader cut off from its config source stops acknowledging.
 */
export class Lease {
  private renewedAt: number;

  constructor(
    private readonly leaseMs: () => number,
    private readonly now: () => number = Date.now,
  ) {
    this.renewedAt = now();
  }

  renew(): void {
    this.renewedAt = this.now();
  }

  /** ms since the config was last heard. */
  age(): number {
    return this.now() - this.renewedAt;
  }

  valid(): boolean {
    return this.age() <= this.leaseMs();
  }
}
