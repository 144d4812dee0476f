import type { LoadedTopology } from './load.js';

/**
 * The region users of `from` should be sent to: `from` itself unless it is
 * drained, else the nearest undrained region by RTT (ties by name). What a
 * regional proxy's region selector feeds on when a region is drained.
 */
export function nearestServingRegion(t: LoadedTopology, from: string): string | undefined {
  const rtt = (a: string, b: string) =>
    a === b ? 0 : (t.rtt.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a))?.ms ?? Number.POSITIVE_INFINITY);
  return t.regions
    .filter((r) => !r.drained)
    .map((r) => r.name)
    .sort((a, b) => rtt(from, a) - rtt(from, b) || a.localeCompare(b))[0];
}
