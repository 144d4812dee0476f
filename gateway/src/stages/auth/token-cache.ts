/** Something that stops being valid at a known time. */
export interface Expiring {
  readonly validUntilMs: number;
}

/**
 * Verified tokens by their compact serialization, so a hot token costs a map
 * lookup instead of an HMAC. Bounded: at capacity the oldest entry goes
 * (insertion order; an LRU would need a delete and re-insert on every hit).
 * An entry is never served past its `validUntilMs`.
 */
export class TokenCache<V extends Expiring> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`token cache capacity ${capacity} is not a positive integer`);
  }

  /** The entry for `token` if it is still valid at `nowMs`. */
  get(token: string, nowMs: number): V | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.validUntilMs <= nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry;
  }

  set(token: string, value: V): void {
    if (this.entries.size >= this.capacity && !this.entries.has(token)) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, value);
  }

  get size(): number {
    return this.entries.size;
  }
}
