/**
 * A deeply frozen copy of `v`. Plain JSON values (what YAML and JSON parsing
 * produce) are copied by hand, which is many times cheaper than
 * structuredClone on the small objects and arrays a topology is made of;
 * anything else (a Date, a Map, a class instance) goes through structuredClone.
 */
export function frozenCopy(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = frozenCopy(v[i]);
    return Object.freeze(out);
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return deepFreeze(structuredClone(v));
  const out: Record<string, unknown> = {};
  for (const k in v) {
    const copied = frozenCopy((v as Record<string, unknown>)[k]);
    if (k === '__proto__') own(out, k, copied);
    else out[k] = copied;
  }
  return Object.freeze(out);
}

/**
 * Sets `key` as an own property: JSON can hold a key "__proto__", and
 * assigning it would set the copy's prototype (whose properties the checks
 * would then read as the document's) instead of keeping it, as an unknown
 * key, for the check to refuse.
 */
export function own(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function deepFreeze(v: unknown): unknown {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}
