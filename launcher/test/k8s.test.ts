import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadTopologyFile, parseTopology } from '@setgate/config';
import { TopologyView } from '@setgate/topology';
import { parse, parseAllDocuments } from 'yaml';
import { generateK8s, HOP_SECRET_DIR, K8S_DIR, type K8sObject, renderK8s } from '../src/index.js';
import { validateK8sObject } from './helpers/k8s-schema.js';
import { ingressAllowed } from './helpers/network-policy-eval.js';
import { knownSecretValues } from './helpers/secret-values.js';

const root = new URL('../../', import.meta.url).pathname;
const source = `${root}config/topology.yaml`;

interface Container {
  name: string;
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  ports?: Array<{ name: string; containerPort: number }>;
  readinessProbe?: { httpGet?: { path: string; port: string } };
  livenessProbe?: unknown;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
}
interface Workload extends K8sObject {
  metadata: { name: string };
  spec: {
    replicas?: number;
    ordinals?: { start: number };
    serviceName?: string;
    volumeClaimTemplates?: Array<{ metadata: { name: string } }>;
    template: {
      metadata: { labels: Record<string, string> };
      spec: { containers: Container[]; volumes?: Array<{ name: string; secret?: { secretName: string; items?: Array<{ key: string }> } }> };
    };
  };
}
interface Svc extends K8sObject {
  metadata: { name: string };
  spec: { clusterIP?: string; type?: string; ports: Array<{ name: string; port: number }> };
}

const objectsIn = (files: Map<string, string>) =>
  [...files].filter(([f]) => f !== 'kustomization.yaml').flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJSON() as K8sObject));
const find = <T extends K8sObject>(objects: K8sObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata?.name === name) as T | undefined;
const workloads = (objects: K8sObject[]) => objects.filter((x) => x.kind === 'StatefulSet' || x.kind === 'Deployment') as Workload[];
const portsOf = (c: Container | undefined) => Object.fromEntries((c?.ports ?? []).map((p) => [p.name, p.containerPort]));

/**
 * Credentials set in the environment while rendering, as on an operator's machine: a generator that
 * read any of them into a manifest would be caught by the secret-value check (knownSecretValues reads them).
 */
const RENDER_ENV = {
  SETGATE_INTERNAL_TOKEN: 'k8s-render-internal-token-7f3a9c1e5b2d4f60',
  SETGATE_JWT_SECRET: 'k8s-render-jwt-secret-0e9d8c7b6a5f4e3d2c1b',
  SETGATE_SESSION_TOKEN_SECRET: 'k8s-render-session-secret-9a8b7c6d5e4f3a2b',
  SETGATE_CONTROL_PLANE_TOKEN: 'k8s-render-viewer-token-1a2b3c4d5e6f7a8b',
};
for (const [k, v] of Object.entries(RENDER_ENV)) process.env[k] ??= v;

describe('Kubernetes manifests (npm run k8s)', () => {
  const files = generateK8s(source, root);
  const objects = objectsIn(files);
  const topology = loadTopologyFile(source);
  const rendered = renderK8s(topology, root);
  const view = new TopologyView(rendered.topology);

  it('are up to date with config/topology.yaml (run `npm run k8s` after editing it)', () => {
    const onDisk = readdirSync(`${root}${K8S_DIR}`).filter((f) => f.endsWith('.yaml')).sort();
    assert.deepEqual(onDisk, [...files.keys()].sort(), 'deploy/k8s holds exactly the generated files');
    for (const [name, text] of files) assert.equal(readFileSync(`${root}${K8S_DIR}/${name}`, 'utf8'), text, `${K8S_DIR}/${name} is stale`);
  });

  it('list every resource file in kustomization.yaml', () => {
    const k = parse(files.get('kustomization.yaml') ?? '') as { kind: string; resources: string[] };
    assert.equal(k.kind, 'Kustomization');
    assert.deepEqual([...k.resources].sort(), [...files.keys()].filter((f) => f !== 'kustomization.yaml').sort());
  });

  it('pass the Kubernetes schema of their kind, every one of them', () => {
    assert.ok(objects.length > 40, `${objects.length} objects`);
    for (const o of objects) assert.doesNotThrow(() => validateK8sObject(o), `${o.kind} ${o.metadata?.name}`);
    const names = objects.map((o) => `${o.kind}/${o.metadata?.name}`);
    assert.equal(new Set(names).size, names.length, 'no two objects of a kind share a name');
  });

  it('ship a topology that validates, whose hosts are the Services and pods that the manifests create', () => {
    const cm = find<K8sObject & { data: Record<string, string> }>(objects, 'ConfigMap', 'setgate-topology');
    const parsed = parseTopology(cm?.data['topology.yaml'] ?? '');
    assert.ok(parsed.ok, JSON.stringify(parsed.ok ? [] : parsed.problems));
    for (const i of view.allInstances()) {
      if (i.kind === 'set-runtime') {
        const set = rendered.topology.sets.find((s) => s.nodes.some((n) => n.id === i.id));
        assert.ok(set);
        assert.equal(i.host, `${i.id}.${set.name}`, 'a node is reached by its pod name under its set');
      } else {
        assert.equal(i.host, i.id, `${i.id} is reached by its Service`);
      }
    }
  });

  it('run every set as a StatefulSet whose pods are its nodes, each with its own volume, behind a headless Service', () => {
    for (const s of rendered.topology.sets) {
      const sts = find<Workload>(objects, 'StatefulSet', s.name);
      assert.ok(sts, `no StatefulSet for set ${s.name}`);
      const start = sts.spec.ordinals?.start ?? 0;
      const pods = Array.from({ length: sts.spec.replicas ?? 1 }, (_, k) => `${s.name}-${start + k}`);
      assert.deepEqual(pods, s.nodes.map((n) => n.id), 'one pod per node, named as the node');
      assert.deepEqual(sts.spec.volumeClaimTemplates?.map((v) => v.metadata.name), ['data']);
      const c = sts.spec.template.spec.containers[0];
      assert.ok(c?.args?.includes('$(POD_NAME)'), 'a pod runs the node named as itself');
      for (const n of s.nodes) assert.deepEqual(portsOf(c), { traffic: n.port, admin: n.adminPort }, `${n.id} ports`);
      const svc = find<Svc>(objects, 'Service', s.name);
      assert.equal(svc?.spec.clusterIP, 'None');
      assert.equal(sts.spec.serviceName, s.name);
    }
  });

  it('run every gateway and regional proxy as a Deployment with its ports, autoscaler and disruption budget', () => {
    for (const i of view.allInstances().filter((x) => x.kind !== 'set-runtime')) {
      const d = find<Workload>(objects, 'Deployment', i.id);
      assert.ok(d, `no Deployment for ${i.id}`);
      const c = d.spec.template.spec.containers[0];
      assert.deepEqual(portsOf(c), { traffic: i.port, admin: i.adminPort }, `${i.id} ports`);
      assert.deepEqual(c?.args?.slice(c.args.indexOf('--id'), c.args.indexOf('--id') + 2), ['--id', i.id]);
      assert.ok(find(objects, 'HorizontalPodAutoscaler', i.id), `${i.id} HPA`);
      assert.ok(find(objects, 'PodDisruptionBudget', i.id), `${i.id} PDB`);
      const svc = find<Svc>(objects, 'Service', i.id);
      assert.equal(svc?.spec.ports.find((p) => p.name === 'traffic')?.port, i.port);
      assert.equal(svc?.spec.type === 'LoadBalancer', i.kind === 'regional-proxy', 'only proxies are exposed outside the cluster');
      assert.deepEqual(c?.readinessProbe?.httpGet, { path: '/_setgate/health', port: 'traffic' });
      assert.ok((c?.lifecycle?.preStop?.sleep?.seconds ?? 0) > 0, `${i.id} leaves its Service before SIGTERM`);
      assert.ok(c?.livenessProbe);
    }
  });

  it('run the control plane as a StatefulSet with a volume for its file store, and a Redis per region', () => {
    const cp = rendered.topology.controlPlane;
    assert.ok(cp);
    const sts = find<Workload>(objects, 'StatefulSet', cp.id);
    assert.equal(sts?.spec.replicas, 1);
    assert.deepEqual(portsOf(sts?.spec.template.spec.containers[0]), { traffic: cp.port, admin: cp.adminPort });
    assert.deepEqual(sts?.spec.volumeClaimTemplates?.map((v) => v.metadata.name), ['data']);
    for (const r of rendered.topology.regions) {
      assert.equal(r.rateLimitRedisUrl, `redis://redis-${r.name}:6379`);
      assert.ok(find(objects, 'Deployment', `redis-${r.name}`) && find(objects, 'Service', `redis-${r.name}`));
    }
  });

  it('start every setgate process with a module that `tsc -b` emits (or a source file that exists)', () => {
    for (const o of objects.filter((x) => x.kind === 'StatefulSet' || x.kind === 'Deployment')) {
      const c = (o as Workload).spec.template.spec.containers[0];
      if (c?.args?.[0] !== 'node') continue;
      const module = c.args.find((a) => a.endsWith('.js') || a.endsWith('.ts'));
      assert.ok(module && existsSync(`${root}${module}`), `${o.metadata?.name}: ${module} exists (run npx tsc -b)`);
    }
  });

  it('hold no secret value: credentials come from the Secret by reference only', () => {
    const text = [...files.values()].join('\n');
    for (const v of knownSecretValues(root)) assert.ok(!text.includes(v), 'a secret value is in the manifests');
    assert.ok(!objects.some((o) => o.kind === 'Secret'), 'no Secret object is generated');
    const credentials = workloads(objects).flatMap((o) =>
      o.spec.template.spec.containers.flatMap((c) => (c.env ?? []).filter((e) => /TOKEN|SECRET|PASSWORD|KEY/.test(e.name)).map((e) => ({ o, e }))),
    );
    assert.ok(credentials.length > 0);
    for (const { o, e } of credentials) {
      const where = `${o.metadata.name}: ${e.name}`;
      if (e.name === 'SETGATE_INTERNAL_TOKEN_FILE') assert.ok(e.value?.startsWith(`${HOP_SECRET_DIR}/`), `${where} is on the Secret volume`);
      else assert.equal(e.valueFrom?.secretKeyRef?.name, 'setgate-secrets', `${where} comes from the Secret, not inline`);
    }
    const gw = find<Workload>(objects, 'Deployment', view.allInstances().find((i) => i.kind === 'gateway')?.id ?? '');
    for (const site of ['SETGATE_INTERNAL_TOKEN_FILE', 'SETGATE_JWT_SECRET', 'SETGATE_SESSION_TOKEN_SECRET']) {
      assert.ok(gw?.spec.template.spec.containers[0]?.env?.some((e) => e.name === site), `a gateway gets ${site}`);
    }
  });

  it('authenticate every setgate hop with the hop secret, a file from the Secret', () => {
    for (const o of workloads(objects).filter((x) => x.spec.template.spec.containers[0]?.args?.[0] === 'node')) {
      const pod = o.spec.template.spec;
      assert.ok(pod.containers[0]?.env?.some((e) => e.name === 'SETGATE_INTERNAL_TOKEN_FILE'), `${o.metadata.name} authenticates its hops`);
      const hop = pod.volumes?.find((v) => v.secret?.items?.some((i) => i.key === 'SETGATE_INTERNAL_TOKEN'));
      assert.equal(hop?.secret?.secretName, 'setgate-secrets', `${o.metadata.name} mounts the hop secret from the Secret`);
    }
  });

  it('admit only the hops of the design (NetworkPolicies)', () => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as never[];
    const podLabels = (kind: string, name: string) => (find<Workload>(objects, kind, name)?.spec.template.metadata.labels ?? {}) as Record<string, string>;
    const client = { app: 'browser' };
    const [proxy] = view.allInstances().filter((i) => i.kind === 'regional-proxy');
    const gws = view.allInstances().filter((i) => i.kind === 'gateway');
    const [gw] = gws;
    const otherRegionGw = gws.find((g) => g.region !== gw?.region);
    const [set, otherSet] = rendered.topology.sets;
    const node = set?.nodes[0];
    const cp = rendered.topology.controlPlane;
    assert.ok(proxy && gw && otherRegionGw && set && otherSet && node && cp);
    const P = podLabels('Deployment', proxy.id);
    const G = podLabels('Deployment', gw.id);
    const N = podLabels('StatefulSet', set.name);
    const N2 = podLabels('StatefulSet', otherSet.name);
    const C = podLabels('StatefulSet', cp.id);
    const R = podLabels('Deployment', `redis-${gw.region}`);
    const allowed: Array<[string, Record<string, string>, Record<string, string>, number]> = [
      ['client → proxy', client, P, proxy.port],
      ['proxy → gateway', P, G, gw.port],
      ['proxy → gateway of another region', P, podLabels('Deployment', otherRegionGw.id), otherRegionGw.port],
      ['gateway → node', G, N, node.port],
      ['node → node (data proxy)', N2, N, node.port],
      ['node → node (replication)', N2, N, node.adminPort],
      ['gateway → control plane', G, C, cp.port],
      ['node → control plane', N, C, cp.port],
      ['proxy → control plane', P, C, cp.port],
      ['control plane → node admin (probe, fence)', C, N, node.adminPort],
      ['control plane → gateway admin (witness)', C, G, gw.adminPort],
      ['gateway → its region Redis', G, R, 6379],
    ];
    for (const [hop, from, to, port] of allowed) assert.ok(ingressAllowed(policies, from, to, port), `${hop} is allowed`);
    const refused: Array<[string, Record<string, string>, Record<string, string>, number]> = [
      ['client → gateway', client, G, gw.port],
      ['client → node', client, N, node.port],
      ['client → control plane', client, C, cp.port],
      ['proxy → node (skips the gateway)', P, N, node.port],
      ['proxy → node admin', P, N, node.adminPort],
      ['gateway → node admin (replication)', G, N, node.adminPort],
      ['client → proxy admin', client, P, proxy.adminPort],
      ['node → gateway', N, G, gw.port],
      ['gateway of another region → Redis', podLabels('Deployment', otherRegionGw.id), R, 6379],
    ];
    for (const [hop, from, to, port] of refused) assert.ok(!ingressAllowed(policies, from, to, port), `${hop} is refused`);
  });

  it('with --control-plane etcd: an etcd StatefulSet, control-plane replicas on it, all valid', () => {
    const etcd = renderK8s(topology, root, { controlPlaneStore: 'etcd' });
    const all = [...etcd.files.values()].flat();
    for (const o of all) assert.doesNotThrow(() => validateK8sObject(o), `${o.kind} ${o.metadata?.name}`);
    const store = etcd.topology.controlPlane?.store;
    assert.equal(store?.kind, 'etcd');
    assert.deepEqual(store?.kind === 'etcd' ? store.endpoints : [], ['http://etcd-0.etcd:2379', 'http://etcd-1.etcd:2379', 'http://etcd-2.etcd:2379']);
    assert.equal((find<Workload>(all, 'StatefulSet', 'etcd'))?.spec.replicas, 3);
    const cp = find<Workload>(all, 'StatefulSet', etcd.topology.controlPlane?.id ?? '');
    assert.equal(cp?.spec.replicas, 2);
    assert.ok(cp?.spec.template.spec.containers[0]?.args?.includes('$(POD_NAME)'), 'each replica its own id');
    assert.equal(cp?.spec.volumeClaimTemplates, undefined, 'versions live in etcd');
    assert.ok(find(all, 'PodDisruptionBudget', 'etcd') && find(all, 'PodDisruptionBudget', etcd.topology.controlPlane?.id ?? ''), 'one member or replica out at a time');
  });

  it('refuse a set whose node ids cannot be StatefulSet pod names', () => {
    const doc = structuredClone(topology) as unknown as { sets: Array<{ nodes: Array<{ id: string }> }> };
    const node = doc.sets[0]?.nodes[0];
    if (node) node.id = 'odd-node-name';
    const parsed = parseTopology(JSON.stringify(doc));
    assert.ok(parsed.ok, 'node ids are free in a topology');
    assert.throws(() => renderK8s(parsed.topology, root), /StatefulSet names its pods/);
  });
});
