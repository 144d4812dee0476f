import { type LoadedTopology, TopologyError, validateTopology } from '@setgate/config';
import { createDispatcher, type Dispatcher } from '@setgate/http-client';
import { request } from 'undici';
import { ConfigWatcher, type ConfigWatcherOptions } from './config-watcher.js';

/** Environment variable holding the bearer token components watch the control plane with. */
export const CONTROL_PLANE_TOKEN_ENV = 'SETGATE_CONTROL_PLANE_TOKEN';
/**
 * Optional override of the control plane URL (default: the topology's
 * controlPlane host and port). Several replicas (etcd store): comma-separated
 * URLs, watched in turn (see ConfigWatcherOptions.urls).
 */
export const CONTROL_PLANE_URL_ENV = 'SETGATE_CONTROL_PLANE_URL';

export interface TopologyWatchOptions<T> extends Omit<ConfigWatcherOptions<T>, 'url' | 'token' | 'version'> {
  /** The topology the component started with: its version, and where its control plane is. */
  readonly topology: LoadedTopology;
  readonly env?: NodeJS.ProcessEnv;
}

/** The control plane API URL a component should watch (the first replica's), or undefined when it runs on its file alone. */
export function controlPlaneUrl(topology: LoadedTopology, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return controlPlaneUrls(topology, env)[0];
}

/** Every control-plane replica's API URL, in the order to try them; empty when the component runs on its file alone. */
export function controlPlaneUrls(topology: LoadedTopology, env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env[CONTROL_PLANE_URL_ENV];
  if (override) return override.split(',').map((u) => u.trim()).filter((u) => u.length > 0);
  const cp = topology.controlPlane;
  if (!cp) return [];
  return [`http://${cp.host.includes(':') ? `[${cp.host}]` : cp.host}:${cp.port}`];
}

/**
 * Starts a watch of the topology's control plane when the topology names one
 * and a token is in the environment; otherwise returns undefined and the
 * component keeps running on the file it was started with.
 */
export function watchControlPlane<T>(opts: TopologyWatchOptions<T>): ConfigWatcher<T> | undefined {
  const env = opts.env ?? process.env;
  const [url, ...others] = controlPlaneUrls(opts.topology, env);
  const token = env[CONTROL_PLANE_TOKEN_ENV];
  if (!url || !token) return undefined;
  const { topology, env: _env, ...rest } = opts;
  return new ConfigWatcher<T>({ ...rest, url, ...(others.length > 0 ? { urls: others } : {}), token, version: topology.version }).start();
}

/**
 * Reads the control plane's current document once (e.g. after a node's 421,
 * when waiting for the next watch answer would hold the request). Throws on
 * any failure; the caller keeps what it has.
 */
export async function fetchCurrentTopology(url: string, token: string, timeoutMs = 2000): Promise<LoadedTopology> {
  const res = await request(`${url}/v1/config`, {
    // Through the factory's dispatcher, never undici's global one: with WAN emulation on, this hop crosses regions too.
    dispatcher: refreshDispatcher(),
    headers: { authorization: `Bearer ${token}` },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`control plane answered ${res.statusCode}: ${text.slice(0, 200)}`);
  const result = validateTopology((JSON.parse(text) as { document: unknown }).document);
  if (!result.ok) throw new TopologyError(result.problems, `${url}/v1/config`);
  return result.topology;
}

/**
 * The current topology from the first control-plane replica that answers, in
 * order (a gateway's refresh after a node's 421 must not depend on one
 * replica when several run). Throws the last replica's error when none does.
 */
export async function fetchCurrentTopologyFromAny(urls: readonly string[], token: string, timeoutMs = 2000): Promise<LoadedTopology> {
  let last: unknown = new Error('no control-plane URL');
  for (const url of urls) {
    try {
      return await fetchCurrentTopology(url, token, timeoutMs);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

let refresh: Dispatcher | undefined;

/** One small dispatcher for these one-off reads, made on first use. */
function refreshDispatcher(): Dispatcher {
  refresh ??= createDispatcher({ connections: 2 });
  return refresh;
}
