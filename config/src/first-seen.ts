/**
 * Repeats among the items of a list, for the uniqueness checks of a reload
 * (10,000 command names, 10,000 routes): an open-addressing table of item
 * positions keyed by a hash the caller computes from the characters, sized
 * once for all items. A Map does the same at several times the cost on the
 * fresh strings of a newly parsed document, and a route would first need its
 * key built as a string.
 */
export class FirstSeen {
  /** Position + 1 of the first item seen with each key (0: empty slot), and that item's hash. */
  readonly #slots: Int32Array;
  readonly #hashes: Int32Array;

  /**
   * @param items how many items will be added, at most (the table stays at most half full)
   * @param hashOf a hash of the key of the item at a position
   * @param same whether the items at two positions have equal keys
   */
  constructor(
    items: number,
    private readonly hashOf: (position: number) => number,
    private readonly same: (a: number, b: number) => boolean,
  ) {
    let size = 16;
    while (size < items * 2) size *= 2;
    this.#slots = new Int32Array(size);
    this.#hashes = new Int32Array(size);
  }

  /** Adds the item at `position`; returns the position of the first earlier item with the same key, or -1. */
  add(position: number): number {
    const hash = this.hashOf(position) | 0;
    const mask = this.#slots.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const at = this.#slots[i] as number;
      if (at === 0) {
        this.#slots[i] = position + 1;
        this.#hashes[i] = hash;
        return -1;
      }
      if (this.#hashes[i] === hash && this.same(at - 1, position)) return at - 1;
    }
  }
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a of `text`, continuing from `hash`. */
export function fnv(text: string, hash = FNV_OFFSET): number {
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  return hash;
}

/** FNV-1a of one more char code. */
export const fnvStep = (hash: number, code: number) => Math.imul(hash ^ code, FNV_PRIME);
