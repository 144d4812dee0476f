import type { LoadedTopology } from '@setgate/config';
import { TopologyView } from '@setgate/topology';

/** The grafana/k6 image the scripts are written for (the @types/k6 major.minor they are checked against). */
export const K6_IMAGE = 'grafana/k6:2.3.0';

/**
 * The `k6` service, started only with `docker compose --profile k6` (or `--profile drill`): it runs
 * one of loadtest/k6/*.js (mounted at /scripts) against the regional proxies
 * and the control plane on the compose network, and writes its JSON summary
 * to ./bench-results/k6. Secrets come from the caller's environment by
 * reference (compose interpolation), never from this file: the issuer key
 * (SETGATE_JWT_SECRET) or a token file (SETGATE_TOKENS, a path inside the
 * container), and the operator token failover.js needs (SETGATE_ADMIN_TOKEN).
 *
 * @param topology the container topology (hosts are service names)
 */
export function k6Service(topology: LoadedTopology): Record<string, unknown> {
  const view = new TopologyView(topology);
  const proxies = view.allInstances().filter((i) => i.kind === 'regional-proxy');
  const issuer = topology.auth.issuers[0];
  const cp = topology.controlPlane;
  return {
    image: K6_IMAGE,
    // `k6` for load (steady, spike, soak), `drill` for failure drills (failover.js with FAULT=...).
    profiles: ['k6', 'drill'],
    command: ['run', '/scripts/steady.js'],
    volumes: ['./loadtest/k6:/scripts:ro', './bench-results/k6:/results'],
    environment: {
      SETGATE_TARGETS: proxies.map((p) => `http://${p.host}:${p.port}`).join(','),
      ...(cp ? { SETGATE_ADMIN_URL: `http://${cp.host}:${cp.port}` } : {}),
      ...(issuer ? { SETGATE_JWT_ISSUER: issuer.issuer, SETGATE_JWT_AUDIENCE: issuer.audience } : {}),
      ...(issuer?.keys[0]?.kid ? { SETGATE_JWT_KID: issuer.keys[0].kid } : {}),
      SETGATE_JWT_SECRET: fromCaller('SETGATE_JWT_SECRET'),
      SETGATE_TOKENS: fromCaller('SETGATE_TOKENS'),
      SETGATE_ADMIN_TOKEN: fromCaller('SETGATE_ADMIN_TOKEN'),
      SETGATE_SUMMARY_DIR: '/results',
    },
    depends_on: Object.fromEntries(proxies.map((p) => [p.id, { condition: 'service_healthy' }])),
  };
}

/** Compose interpolation: the caller's environment variable `name`, empty when unset. */
const fromCaller = (name: string): string => `\${${name}:-}`;
