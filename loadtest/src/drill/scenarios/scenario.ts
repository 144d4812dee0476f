import type { Stack } from '@setgate/launcher';
import type { EtcdCluster, RedisServer } from '@setgate/process-supervisor';
import type { ControlPlaneClient } from '../control-plane.js';
import type { Load } from '../load.js';
import type { Rng } from '../rng.js';

/**
 * Cuts and slows links between regions. The WAN emulation's relays implement
 * it (their admin endpoint: partition / slow / heal); scenarios that need it
 * are skipped, saying so, when the stack runs without WAN emulation.
 */
export interface LinkFaults {
  partition(a: string, b: string, opts: { oneWay?: boolean; mode?: 'hold' | 'refuse' | 'reset' }): Promise<unknown>;
  slow(a: string, b: string, opts: { delayMs?: number; bandwidthKbps?: number; oneWay?: boolean }): Promise<unknown>;
  heal(a?: string, b?: string): Promise<unknown>;
}

/** What a scenario can act on. */
export interface DrillContext {
  readonly stack: Stack;
  readonly rng: Rng;
  readonly cp: ControlPlaneClient;
  /** The admin API with the admin role: changes that touch limits or auth need it. */
  readonly admin: ControlPlaneClient;
  readonly load: Load;
  readonly redis?: RedisServer;
  /** The control plane's etcd cluster, when the stack stores its versions there. */
  readonly etcd?: EtcdCluster;
  readonly links?: LinkFaults;
  /** A scenario calls this the moment the fault takes effect (after its look-ups), so RTO counts from then. */
  faultApplied(): void;
}

/** A fault in place, and how to undo it. */
export interface Injected {
  /** What was done, for the report. */
  readonly description: string;
  /** Components or regions acted on. */
  readonly targets: readonly string[];
  /** Shards whose writes the fault may disrupt: RTO is measured on each. */
  readonly affectedShards: readonly number[];
  /** The region the fault cut off from its users too (they went to the next region): the report follows them. */
  readonly usersCutOff?: string;
  /** Heals the fault: restarts what was killed (with its data), resumes, undrains, reconnects. */
  heal(): Promise<void>;
}

/** When to heal, counted from the fault. */
export type HealPolicy =
  /** Once writes on every affected shard succeed again (and not before `minMs`). */
  | { readonly kind: 'after-recovery'; readonly minMs: number }
  /** After a fixed time. */
  | { readonly kind: 'after'; readonly ms: number };

/** Something a scenario needs from the stack that not every run has. */
export type Requirement = 'wan' | 'redis' | 'etcd';

/** A named, seeded, reproducible fault. */
export interface Scenario {
  readonly name: string;
  readonly summary: string;
  readonly requires?: Requirement;
  /** Surge users (2× the base users) are created and switched on by the scenario. */
  readonly surge?: boolean;
  healPolicy(stack: Stack): HealPolicy;
  inject(ctx: DrillContext): Promise<Injected>;
}

/** Write-points of the current version: node id → the shards it leads. */
export async function writePoints(cp: ControlPlaneClient): Promise<Map<string, number[]>> {
  const status = await cp.status();
  const out = new Map<string, number[]>();
  for (const s of status.shards) out.set(s.writePoint, [...(out.get(s.writePoint) ?? []), s.shard]);
  return out;
}

/** The running component, or an error naming it. */
export function component(stack: Stack, id: string) {
  const c = stack.supervisor.get(id);
  if (!c?.running) throw new Error(`${id} is not running`);
  return c;
}
