import { hostProblem, urlCredentialsProblem } from './host-check.js';
import type { Topology } from './schema/topology.js';
import { secretSites } from './secrets.js';

type Add = (path: string, message: string) => void;

/**
 * What a viewer of the config must never learn and where the topology may
 * send traffic: every secret is a reference (exactly one of env or file), no
 * URL carries credentials, and every instance host is an IP literal or a host
 * name outside link-local and cloud-metadata space unless network.allowedHosts
 * names it.
 */
export function checkSecretsAndAddresses(t: Topology, add: Add): void {
  for (const { path, ref } of secretSites(t)) {
    const given = (ref.env !== undefined ? 1 : 0) + (ref.file !== undefined ? 1 : 0);
    if (given !== 1) add(path, 'give the secret by reference: exactly one of env (a variable name) or file (an absolute path)');
  }
  checkUrls(t, add);
  checkHosts(t, add);
}

/** No URL in the config carries credentials. */
function checkUrls(t: Topology, add: Add): void {
  const urls: Array<[string, string]> = [];
  for (const [i, s] of t.sets.entries()) {
    for (const [j, n] of s.nodes.entries()) if (n.store.kind === 'redis') urls.push([`/sets/${i}/nodes/${j}/store/url`, n.store.url]);
  }
  if (t.gateway.rateLimit.redisUrl) urls.push(['/gateway/rateLimit/redisUrl', t.gateway.rateLimit.redisUrl]);
  for (const [i, r] of t.regions.entries()) if (r.rateLimitRedisUrl) urls.push([`/regions/${i}/rateLimitRedisUrl`, r.rateLimitRedisUrl]);
  for (const [i, issuer] of t.auth.issuers.entries()) if (issuer.jwks) urls.push([`/auth/issuers/${i}/jwks/url`, issuer.jwks.url]);
  const store = t.controlPlane?.store;
  if (store?.kind === 'redis') urls.push(['/controlPlane/store/url', store.url]);
  if (store?.kind === 'etcd') for (const [i, e] of store.endpoints.entries()) urls.push([`/controlPlane/store/endpoints/${i}`, e]);
  for (const [path, url] of urls) {
    const problem = urlCredentialsProblem(url);
    if (problem) add(path, problem);
  }
}

/** Every instance host is an IP literal or a host name, outside link-local and metadata space unless allowed. */
function checkHosts(t: Topology, add: Add): void {
  const allowed = new Set((t.network?.allowedHosts ?? []).map((h) => h.toLowerCase()));
  const hosts: Array<[string, string]> = [];
  for (const [i, r] of t.regions.entries()) {
    for (const [j, p] of r.proxies.entries()) hosts.push([`/regions/${i}/proxies/${j}/host`, p.host]);
    for (const [j, g] of r.gateways.entries()) hosts.push([`/regions/${i}/gateways/${j}/host`, g.host]);
  }
  for (const [i, s] of t.sets.entries()) for (const [j, n] of s.nodes.entries()) hosts.push([`/sets/${i}/nodes/${j}/host`, n.host]);
  if (t.controlPlane) hosts.push(['/controlPlane/host', t.controlPlane.host]);
  for (const [path, host] of hosts) {
    const problem = hostProblem(host, allowed);
    if (problem) add(path, problem);
  }
}
