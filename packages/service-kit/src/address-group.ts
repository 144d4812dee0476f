import { isIP } from 'node:net';

/**
 * What per-client limits count an address by: an IPv4 address itself (an
 * IPv4-mapped IPv6 one as its IPv4), an IPv6 address by its /64, since one
 * subscriber usually holds a whole /64 and could rotate through it. Anything
 * that is not an IP is its own group. An IPv4 address is answered without
 * parsing or allocating.
 */
export function addressGroup(address: string): string {
  if (!address.includes(':') || isIP(address) !== 6) return address;
  const a = address.toLowerCase().split('%')[0] as string;
  if (a.startsWith('::ffff:') && isIP(a.slice(7)) === 4) return a.slice(7);
  const [head = '', tail] = a.split('::');
  const front = head === '' ? [] : head.split(':');
  const back = tail === undefined || tail === '' ? [] : tail.split(':');
  // A dotted IPv4 tail (::1.2.3.4) fills two groups.
  const backGroups = back.length + (back.at(-1)?.includes('.') ? 1 : 0);
  const groups = tail === undefined ? front : [...front, ...new Array<string>(8 - front.length - backGroups).fill('0'), ...back];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
