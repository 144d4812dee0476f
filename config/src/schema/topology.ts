import { type Static, Type } from '@sinclair/typebox';
import { Auth } from './auth.js';
import { Command } from './commands.js';
import { ControlPlane, Failover } from './control-plane.js';
import { GatewayPolicy } from './gateway.js';
import { Limits } from './limits.js';
import { Network } from './network.js';
import { Placement } from './placement.js';
import { RegionalPolicy } from './regional.js';
import { Region, RttLink } from './regions.js';
import { Replication } from './replication.js';
import { SetDef } from './sets.js';

/** The whole routing config: one document, one schema; every type below derives from it. */
export const TopologySchema = Type.Object(
  {
    version: Type.Integer({ minimum: 1, default: 1, description: 'Config version; the control plane numbers it.' }),
    shardCount: Type.Integer({
      minimum: 1,
      maximum: 65536,
      description: 'Fixed at creation: shard = hash(key) mod shardCount.',
    }),
    regions: Type.Array(Region, { minItems: 1 }),
    rtt: Type.Array(RttLink, { default: [], description: 'RTT matrix as symmetric links.' }),
    sets: Type.Array(SetDef, { minItems: 1 }),
    placements: Type.Array(Placement, { description: 'Exactly one entry per shard.' }),
    commands: Type.Array(Command, { minItems: 1 }),
    auth: Auth,
    limits: Type.Optional(Limits),
    replication: Replication,
    gateway: GatewayPolicy,
    regionalProxy: RegionalPolicy,
    failover: Failover,
    controlPlane: Type.Optional(ControlPlane),
    network: Type.Optional(Network),
  },
  { additionalProperties: false, description: 'setgate topology and routing document.' },
);

export type Topology = Static<typeof TopologySchema>;
export type RegionDef = Topology['regions'][number];
export type ProxyDef = RegionDef['proxies'][number];
export type GatewayDef = RegionDef['gateways'][number];
export type SetDefinition = Topology['sets'][number];
export type NodeDef = SetDefinition['nodes'][number];
export type PlacementDef = Topology['placements'][number];
export type CommandDef = Topology['commands'][number];
export type KeySourceDef = CommandDef['key'];
export type PriorityName = CommandDef['priority'];
export type AuthDef = Topology['auth'];
export type IssuerDef = AuthDef['issuers'][number];
export type LimitsDef = Static<typeof Limits>;
export type ReplicationDef = Topology['replication'];
export type GatewayPolicyDef = Topology['gateway'];
export type RegionalPolicyDef = Topology['regionalProxy'];
export type FailoverDef = Topology['failover'];
export type ControlPlaneDef = NonNullable<Topology['controlPlane']>;
export type AdminTokenDef = ControlPlaneDef['tokens'][number];
export type AdminRoleName = AdminTokenDef['role'];
