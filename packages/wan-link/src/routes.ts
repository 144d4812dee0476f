/**
 * The environment variable through which the launcher tells a process, by its
 * region, which cross-region endpoints it must reach through a WAN relay:
 * JSON `{ "<target host>:<target port>": "<relay host>:<relay port>" }`.
 */
export const WAN_ROUTES_ENV = 'SETGATE_WAN_ROUTES';

/** Where a relay listens. */
export interface RelayAddress {
  readonly host: string;
  readonly port: number;
}

/** Target `host:port` → the relay that carries this process's connections to it. */
export type WanRoutes = ReadonlyMap<string, RelayAddress>;

/** The key a target endpoint has in a route map. */
export function endpointKey(host: string, port: number | string): string {
  return `${host}:${port}`;
}

/** Splits `host:port` (the last colon separates the port). */
export function parseAddress(text: string): RelayAddress {
  const i = text.lastIndexOf(':');
  const port = Number(text.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`not a host:port: "${text}"`);
  return { host: text.slice(0, i), port };
}

/**
 * Reads a route map from its JSON text (the value of {@link WAN_ROUTES_ENV}).
 * Undefined or empty text: no WAN emulation in this process. A malformed value
 * throws, because silently talking direct would hide every delay and partition.
 */
export function parseWanRoutes(text: string | undefined): WanRoutes | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const raw = JSON.parse(text) as unknown;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${WAN_ROUTES_ENV} must be a JSON object`);
  const routes = new Map<string, RelayAddress>();
  for (const [target, relay] of Object.entries(raw)) {
    parseAddress(target);
    if (typeof relay !== 'string') throw new Error(`${WAN_ROUTES_ENV}: relay of ${target} must be "host:port"`);
    routes.set(target, parseAddress(relay));
  }
  return routes;
}

/** Renders a route map for {@link WAN_ROUTES_ENV}. */
export function formatWanRoutes(routes: WanRoutes): string {
  return JSON.stringify(Object.fromEntries([...routes].map(([t, r]) => [t, endpointKey(r.host, r.port)])));
}
