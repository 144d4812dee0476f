import type { LoadedTopology } from '@setgate/config';

type Frozen = LoadedTopology;
export type CommandView = Frozen['commands'][number];
export type PlacementView = Frozen['placements'][number];

/** A set-runtime node with where it sits. */
export interface NodeRef {
  readonly id: string;
  readonly set: string;
  readonly region: string;
  readonly host: string;
  readonly port: number;
  readonly adminPort: number;
  readonly url: string;
  readonly adminUrl: string;
  readonly store: Frozen['sets'][number]['nodes'][number]['store'];
}

/** A proxy or gateway instance with where it sits. */
export interface InstanceRef {
  readonly id: string;
  readonly kind: 'regional-proxy' | 'gateway' | 'set-runtime';
  readonly region: string;
  readonly host: string;
  readonly port: number;
  readonly adminPort: number;
  /** https when the instance serves its traffic listener over TLS (`tls` in the topology). */
  readonly url: string;
  readonly adminUrl: string;
  /** Certificate files of an HTTPS traffic listener (regional proxies and gateways only). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

const urlOf = (host: string, port: number, scheme = 'http') => `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;

/**
 * Read-only lookups over one topology version: shard → placement → nodes,
 * regions by RTT, instances by id. Built once per version and swapped whole.
 */
export class TopologyView {
  readonly version: number;
  readonly shardCount: number;
  private readonly nodes = new Map<string, NodeRef>();
  private readonly nodesBySet = new Map<string, NodeRef[]>();
  private readonly instances = new Map<string, InstanceRef>();
  private readonly placements: PlacementView[];
  private readonly rttMs = new Map<string, number>();
  private readonly byDistance = new Map<string, readonly string[]>();
  // Built on first use, once per version: lookups that would otherwise scan every instance or placement per call.
  private gatewaysByRegion: Map<string, InstanceRef[]> | undefined;
  private shardsBySet: Map<string, number[]> | undefined;
  private readonly replicaNodesOf: (readonly NodeRef[] | undefined)[] = [];

  constructor(readonly doc: LoadedTopology) {
    this.version = doc.version;
    this.shardCount = doc.shardCount;
    for (const s of doc.sets) {
      const refs: NodeRef[] = [];
      for (const n of s.nodes) {
        const ref: NodeRef = {
          id: n.id,
          set: s.name,
          region: s.region,
          host: n.host,
          port: n.port,
          adminPort: n.adminPort,
          url: urlOf(n.host, n.port),
          adminUrl: urlOf(n.host, n.adminPort),
          store: n.store,
        };
        refs.push(ref);
        this.nodes.set(n.id, ref);
        this.instances.set(n.id, { ...ref, kind: 'set-runtime' });
      }
      this.nodesBySet.set(s.name, refs);
    }
    for (const r of doc.regions) {
      for (const [kind, list] of [
        ['regional-proxy', r.proxies],
        ['gateway', r.gateways],
      ] as const) {
        for (const i of list) {
          this.instances.set(i.id, {
            id: i.id,
            kind,
            region: r.name,
            host: i.host,
            port: i.port,
            adminPort: i.adminPort,
            url: urlOf(i.host, i.port, i.tls ? 'https' : 'http'),
            adminUrl: urlOf(i.host, i.adminPort),
            ...(i.tls ? { tls: i.tls } : {}),
          });
        }
      }
    }
    this.placements = new Array(doc.shardCount);
    for (const p of doc.placements) this.placements[p.shard] = p;
    for (const l of doc.rtt) {
      this.rttMs.set(`${l.a}|${l.b}`, l.ms);
      this.rttMs.set(`${l.b}|${l.a}`, l.ms);
    }
    const names = doc.regions.map((r) => r.name);
    for (const from of names) {
      this.byDistance.set(
        from,
        [...names].sort((a, b) => this.rtt(from, a) - this.rtt(from, b) || a.localeCompare(b)),
      );
    }
  }

  /** RTT between two regions in ms; 0 to itself, Infinity when unknown. */
  rtt(a: string, b: string): number {
    if (a === b) return 0;
    return this.rttMs.get(`${a}|${b}`) ?? Number.POSITIVE_INFINITY;
  }

  /** All region names, nearest to `from` first (itself first). */
  regionsByDistance(from: string): readonly string[] {
    return this.byDistance.get(from) ?? [];
  }

  regionNames(): string[] {
    return this.doc.regions.map((r) => r.name);
  }

  placement(shard: number): PlacementView {
    const p = this.placements[shard];
    if (!p) throw new RangeError(`shard ${shard} has no placement in config version ${this.version}`);
    return p;
  }

  node(id: string): NodeRef | undefined {
    return this.nodes.get(id);
  }

  nodesOfSet(set: string): readonly NodeRef[] {
    return this.nodesBySet.get(set) ?? [];
  }

  allNodes(): NodeRef[] {
    return [...this.nodes.values()];
  }

  instance(id: string): InstanceRef | undefined {
    return this.instances.get(id);
  }

  allInstances(): InstanceRef[] {
    return [...this.instances.values()];
  }

  /** Gateways of one region. */
  gatewaysOf(region: string): InstanceRef[] {
    if (!this.gatewaysByRegion) {
      const by = new Map<string, InstanceRef[]>();
      for (const i of this.instances.values()) {
        if (i.kind !== 'gateway') continue;
        const list = by.get(i.region);
        if (list) list.push(i);
        else by.set(i.region, [i]);
      }
      this.gatewaysByRegion = by;
    }
    return [...(this.gatewaysByRegion.get(region) ?? [])];
  }

  /** The node that leads the shard now. */
  writePoint(shard: number): NodeRef {
    const p = this.placement(shard);
    const candidates = this.nodesOfSet(p.leader);
    const ref = p.leaderNode ? candidates.find((n) => n.id === p.leaderNode) : candidates[0];
    if (!ref) throw new RangeError(`shard ${shard}: leader set ${p.leader} has no node`);
    return ref;
  }

  /** Every node holding a replica of the shard (leader included). */
  replicaNodes(shard: number): NodeRef[] {
    const p = this.placement(shard);
    let nodes = this.replicaNodesOf[shard];
    if (!nodes) {
      nodes = p.replicas.flatMap((s) => this.nodesOfSet(s));
      this.replicaNodesOf[shard] = nodes;
    }
    return [...nodes];
  }

  /** Replica nodes ordered by RTT from `region`, nearest first. */
  replicasByDistance(shard: number, region: string): NodeRef[] {
    return this.replicaNodes(shard).sort((a, b) => this.rtt(region, a.region) - this.rtt(region, b.region));
  }

  /** Shards whose replicas include the given set. */
  shardsOfSet(set: string): number[] {
    if (!this.shardsBySet) {
      const by = new Map<string, number[]>();
      for (const p of this.doc.placements) {
        // A set listed twice in one placement still names the shard once, as the filter did.
        for (const s of new Set(p.replicas)) {
          const list = by.get(s);
          if (list) list.push(p.shard);
          else by.set(s, [p.shard]);
        }
      }
      this.shardsBySet = by;
    }
    return [...(this.shardsBySet.get(set) ?? [])];
  }
}
