import { isIP } from 'node:net';
import type { Topology } from './schema/topology.js';

type Add = (path: string, message: string) => void;

/**
 * Checks of who may call and from where: an anonymous command can be served
 * without a caller (its key is not the subject, it needs no scope), every issuer can verify something,
 * tenant residency names real regions once per tenant, and every CIDR is a
 * real network (the schema's pattern alone accepts 10.0.0.0/40, which a
 * component would only refuse at start).
 */
export function checkAccess(t: Topology, regions: ReadonlySet<string>, add: Add): void {
  t.commands.forEach((c, i) => {
    if (!c.anonymous) return;
    if (c.key.from === 'subject') add(`/commands/${i}/key`, `anonymous command ${c.name} cannot take its key from the subject: an anonymous caller has none`);
    if (c.scopes.length > 0) add(`/commands/${i}/scopes`, `anonymous command ${c.name} cannot require scopes: an anonymous caller holds none`);
  });
  t.auth.issuers.forEach((issuer, i) => {
    if (issuer.keys.length === 0 && issuer.publicKeys.length === 0 && issuer.jwks === undefined) {
      add(`/auth/issuers/${i}`, `issuer ${issuer.issuer} has no key source: give keys, publicKeys or jwks`);
    }
  });
  const seen = new Set<string>();
  t.regionalProxy.tenants.forEach((tenant, i) => {
    if (seen.has(tenant.tenant)) add(`/regionalProxy/tenants/${i}/tenant`, `tenant "${tenant.tenant}" appears twice`);
    seen.add(tenant.tenant);
    tenant.residency.forEach((r, j) => {
      if (!regions.has(r)) add(`/regionalProxy/tenants/${i}/residency/${j}`, `unknown region "${r}"`);
    });
  });
  const cidrs: Array<[string, string]> = [
    ...t.gateway.trustedProxies.map((c, i): [string, string] => [`/gateway/trustedProxies/${i}`, c]),
    ...t.regionalProxy.trustedEdges.map((c, i): [string, string] => [`/regionalProxy/trustedEdges/${i}`, c]),
    ...t.regionalProxy.ipRanges.map((r, i): [string, string] => [`/regionalProxy/ipRanges/${i}/cidr`, r.cidr]),
  ];
  for (const [path, cidr] of cidrs) {
    const problem = cidrProblem(cidr);
    if (problem) add(path, problem);
  }
}

/** Why `cidr` is not a network, or undefined when it is one. */
export function cidrProblem(cidr: string): string | undefined {
  const slash = cidr.lastIndexOf('/');
  const address = cidr.slice(0, slash);
  const bits = Number(cidr.slice(slash + 1));
  const family = isIP(address);
  if (family === 0) return `"${address}" is not an IP address`;
  const max = family === 4 ? 32 : 128;
  if (!Number.isInteger(bits) || bits > max) return `prefix /${cidr.slice(slash + 1)} is longer than ${max} bits`;
  return undefined;
}
