import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';

type Validatable = { validate(): void };

/** The kubernetes-models class of every kind the generator may render; any other kind is an error. */
const MODELS: Record<string, new (data: never) => Validatable> = {
  'apps/v1/StatefulSet': StatefulSet,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
};

/**
 * Validates one rendered object against the Kubernetes OpenAPI schema of its
 * kind (kubernetes-models' generated validators): throws with the failing
 * path. The models do not refuse unknown fields, so the generator's objects
 * are typed with the same models' interfaces (excess fields fail tsc), and
 * names and ports are checked here as the API server would.
 */
export function validateK8sObject(o: { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } }): void {
  const Model = MODELS[`${String(o.apiVersion)}/${String(o.kind)}`];
  if (!Model) throw new Error(`no schema for ${String(o.apiVersion)} ${String(o.kind)}`);
  new Model(o as never).validate();
  const name = String(o.metadata?.name ?? '');
  // Services need an RFC 1035 label (a DNS name); the other kinds here an RFC 1123 subdomain.
  const pattern = o.kind === 'Service' ? /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/ : /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
  if (!pattern.test(name)) throw new Error(`${String(o.kind)} name ${name} is not a valid Kubernetes name`);
  walkPorts(o, String(o.kind));
}

const PORT_FIELDS = new Set(['port', 'containerPort', 'targetPort']);

/** Every numeric port is 1-65535 and every port name an IANA_SVC_NAME (≤ 15 characters). */
function walkPorts(v: unknown, where: string): void {
  if (v === null || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v)) {
    if (PORT_FIELDS.has(k) && typeof x === 'number' && (x < 1 || x > 65535 || !Number.isInteger(x))) throw new Error(`${where}: port ${x}`);
    if (PORT_FIELDS.has(k) && typeof x === 'string' && !/^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/.test(x)) throw new Error(`${where}: port name ${x}`);
    walkPorts(x, where);
  }
}
