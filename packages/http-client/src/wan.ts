import { type WanRoutes, wanConnector, wanRoutesFromEnv } from '@setgate/wan-link';
import type { buildConnector } from 'undici';

let routes: WanRoutes | undefined;
let read = false;

/**
 * This process's WAN route map (from `SETGATE_WAN_ROUTES`, set by the launcher
 * per process by its region), read once; undefined when WAN emulation is off.
 */
export function wanRoutes(): WanRoutes | undefined {
  if (!read) {
    routes = wanRoutesFromEnv();
    read = true;
  }
  return routes;
}

/** The connector every dispatcher uses when WAN emulation is on; undefined otherwise. */
export function wanConnect(timeoutMs: number): buildConnector.connector | undefined {
  const r = wanRoutes();
  return r && r.size > 0 ? wanConnector(r, { timeoutMs }) : undefined;
}
