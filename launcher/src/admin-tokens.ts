import { adminTokenHash, type LoadedTopology } from '@setgate/config';

/** Development admin API tokens; config/topology.yaml lists only their SHA-256. Local use only. */
export const DEV_ADMIN_TOKENS = {
  admin: 'setgate-dev-admin-token-0001',
  operator: 'setgate-dev-operator-token-0001',
  viewer: 'setgate-dev-viewer-token-0001',
} as const;

/** The development tokens the topology accepts (none for a topology with its own tokens). */
export function devAdminTokens(topology: LoadedTopology): Array<{ role: string; token: string }> {
  const hashes = new Set(topology.controlPlane?.tokens.map((t) => t.sha256) ?? []);
  return Object.entries(DEV_ADMIN_TOKENS)
    .filter(([, token]) => hashes.has(adminTokenHash(token)))
    .map(([role, token]) => ({ role, token }));
}
