import { BlockList, isIP } from 'node:net';

/**
 * Where a node, gateway, proxy or control plane may be reached. A host is an
 * IP literal or a DNS name, nothing else: no userinfo (`user@host`), port,
 * path or numeric shorthand (`2852039166`, `0xa9fea9fe` and `169.254.43518`
 * are all 169.254.169.254 to a URL parser). Link-local networks and the cloud
 * metadata endpoints are refused unless the topology's allow-list names the
 * host: a component sends internal tokens and user data to the hosts the
 * config names, and a metadata service answers with instance credentials.
 */
const LINK_LOCAL_AND_METADATA = new BlockList();
LINK_LOCAL_AND_METADATA.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local, 169.254.169.254 (AWS, GCP, Azure, OCI…)
LINK_LOCAL_AND_METADATA.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
LINK_LOCAL_AND_METADATA.addAddress('168.63.129.16', 'ipv4'); // Azure wire server
LINK_LOCAL_AND_METADATA.addSubnet('fe80::', 10, 'ipv6'); // link-local
LINK_LOCAL_AND_METADATA.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6

const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.internal',
  'instance-data',
  'instance-data.ec2.internal',
]);

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A last label a URL parser reads as (part of) an IPv4 address. */
const NUMERIC = /^(0x[0-9a-f]*|[0-9]+)$/;

/** Why `host` may not be used, or undefined when it may; `allowed` lists hosts let through anyway (exact, case-insensitive). */
export function hostProblem(host: string, allowed: ReadonlySet<string>): string | undefined {
  const lower = host.toLowerCase();
  const family = isIP(lower);
  if (family !== 0) {
    const address = lower.split('%')[0] ?? lower; // an IPv6 zone id is link-local scoped anyway
    const special = lower.includes('%') || LINK_LOCAL_AND_METADATA.check(address, family === 4 ? 'ipv4' : 'ipv6');
    if (special && !allowed.has(lower)) {
      return `${host} is a link-local or cloud-metadata address; name it in network.allowedHosts to use it`;
    }
    return undefined;
  }
  const name = lower.endsWith('.') ? lower.slice(0, -1) : lower;
  const labels = name.split('.');
  if (name.length === 0 || name.length > 253 || !labels.every((l) => LABEL.test(l))) {
    return `"${host}" is neither an IP address nor a host name (letters, digits, dashes and dots only: no user@, port or path)`;
  }
  if (NUMERIC.test(labels[labels.length - 1] ?? '')) {
    return `"${host}" reads as a numeric IPv4 address; write it as a dotted IPv4 address`;
  }
  if (METADATA_NAMES.has(name) && !allowed.has(lower)) {
    return `${host} is a cloud-metadata host name; name it in network.allowedHosts to use it`;
  }
  return undefined;
}

/** Why the URL `url` may not be configured (credentials in it), or undefined. */
export function urlCredentialsProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a valid URL';
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return 'credentials in a URL are refused: a config document is readable by every viewer';
  }
  return undefined;
}
