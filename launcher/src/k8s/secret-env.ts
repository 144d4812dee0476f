import { INTERNAL_TOKEN_ENV, INTERNAL_TOKEN_FILE_ENV } from '@setgate/contracts';
import { type LoadedTopology, secretSites } from '@setgate/config';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';

/**
 * The Secret every credential comes from. It is created beside the
 * manifests, never generated into them (kubectl create secret generic
 * setgate-secrets --from-literal=SETGATE_INTERNAL_TOKEN=... ; see
 * kustomization.yaml), so no rendered object holds a value.
 */
export const SECRET_NAME = 'setgate-secrets';

/** The viewer token components watch the control plane with (config-watch reads it; the launcher passes it the same way). */
const CONTROL_PLANE_TOKEN_ENV = 'SETGATE_CONTROL_PLANE_TOKEN';

const fromSecret = (name: string, key = name): IEnvVar => ({ name, valueFrom: { secretKeyRef: { name: SECRET_NAME, key } } });

/** A key of SECRET_NAME for a file reference: its path without the slashes. */
const fileKey = (path: string): string => path.replace(/^\/+/, '').replace(/[^A-Za-z0-9._-]/g, '_');

/** Every key of SECRET_NAME that the rendered pods read, for the operator's `kubectl create secret`. */
export function secretKeys(topology: LoadedTopology): string[] {
  const keys = new Set([INTERNAL_TOKEN_ENV, ...(topology.controlPlane ? [CONTROL_PLANE_TOKEN_ENV] : [])]);
  for (const { ref } of secretSites(topology)) keys.add(ref.env ?? fileKey(ref.file ?? ''));
  return [...keys];
}

/** What a container gets from the Secret: environment variables by secretKeyRef and files by a Secret volume. */
export interface SecretWiring {
  readonly env: IEnvVar[];
  readonly volumeMounts: IVolumeMount[];
  readonly volumes: IVolume[];
}

/**
 * Where every pod reads the hop secret: the Secret's SETGATE_INTERNAL_TOKEN key
 * as a file (not subPath-mounted, so Kubernetes updates it in place), named by
 * SETGATE_INTERNAL_TOKEN_FILE, which the components re-read on change: the
 * secret rotates without a restart (first line sent, further lines accepted;
 * README, Security model).
 */
export const HOP_SECRET_DIR = '/run/secrets/setgate-hop';
const HOP_SECRET_FILE = 'internal-token';

/**
 * The secrets of one component: the hop secret (a file, see HOP_SECRET_DIR); the viewer token
 * the components (not the control plane itself) watch the control plane with;
 * and, for gateways, the topology's own secret references (signing keys,
 * session-token keys): `{ env }` as a secretKeyRef, `{ file }` as that key of
 * the Secret mounted at the path.
 */
export function secretWiring(topology: LoadedTopology, kind: 'control-plane' | 'set-runtime' | 'gateway' | 'regional-proxy'): SecretWiring {
  const env: IEnvVar[] = [{ name: INTERNAL_TOKEN_FILE_ENV, value: `${HOP_SECRET_DIR}/${HOP_SECRET_FILE}` }];
  if (kind !== 'control-plane' && topology.controlPlane) env.push(fromSecret(CONTROL_PLANE_TOKEN_ENV));
  const volumeMounts: IVolumeMount[] = [{ name: 'hop-secret', mountPath: HOP_SECRET_DIR, readOnly: true }];
  const items: Array<{ key: string; path: string }> = [];
  if (kind === 'gateway') {
    for (const { ref } of secretSites(topology)) {
      if (ref.env !== undefined && !env.some((e) => e.name === ref.env)) env.push(fromSecret(ref.env));
      if (ref.file !== undefined && !items.some((i) => i.path === fileKey(ref.file ?? ''))) {
        const key = fileKey(ref.file);
        items.push({ key, path: key });
        volumeMounts.push({ name: 'secret-files', mountPath: ref.file, subPath: key, readOnly: true });
      }
    }
  }
  const volumes: IVolume[] = [
    { name: 'hop-secret', secret: { secretName: SECRET_NAME, items: [{ key: INTERNAL_TOKEN_ENV, path: HOP_SECRET_FILE }], defaultMode: 0o440 } },
    ...(items.length > 0 ? [{ name: 'secret-files', secret: { secretName: SECRET_NAME, items, defaultMode: 0o440 } }] : []),
  ];
  return { env, volumeMounts, volumes };
}
