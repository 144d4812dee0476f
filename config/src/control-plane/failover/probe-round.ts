import type { NodeRef } from '@setgate/topology';
import { NodeHealth } from './node-health.js';
import { failureKind, type NodeProbe } from './probe.js';
import { type FailoverSettings, STATUS_EVERY_MS } from './settings.js';
import { judgeVotes, type WitnessPanel, type WitnessVote } from './witness.js';

/** What one round needs besides the nodes. */
export interface ProbeRoundInput {
  readonly targets: readonly NodeRef[];
  readonly health: Map<string, NodeHealth>;
  readonly probe: NodeProbe;
  readonly witnesses?: WitnessPanel;
  readonly settings: FailoverSettings;
  readonly now: () => number;
  /** Where the controller's own vote counts from. */
  readonly controllerRegion: string;
  /** The controller's own longest event-loop stall since the last round: above the limit its own failures are no evidence. */
  readonly lagMs: number;
  /** When each node's full status was last read (controller clock). */
  readonly statusReadAt: Map<string, number>;
  /** Nodes whose full status is being read now (reads run beside the rounds, one per node at a time). */
  readonly statusInFlight?: Set<string>;
  /**
   * ms since the control plane last answered the node's own watch poll with a
   * lease (undefined: not tracked, never heard, or revoked). A node heard
   * within leaseMs + clockDriftMs is alive and holds a lease: it is never
   * down, whatever the checks say (a slow node, a one-way partition).
   */
  readonly heardAgoMs?: (node: string) => number | undefined;
}

/** What the round found, for logs. */
export interface ProbeRoundResult {
  /** Nodes declared down by this round. */
  readonly newlyDown: readonly string[];
  /** Nodes that answer again after being down. */
  readonly back: readonly string[];
  /** True when the controller itself was too starved for its failures to count. */
  readonly starved: boolean;
}

/**
 * A node whose own watch poll the control plane answered with a lease less
 * than this long ago is not checked: the poll is the liveness answer. Each
 * node polls every eighth of its lease (250 ms shipped), so while it polls on
 * time almost every round finds it heard within one interval and sends no
 * check, where it sent one per node every round.
 *
 * At most one probeIntervalMs: a frozen or cut-off node (its checks time out
 * and are judged on slowDownAfterMs, which the lease does not bound) is then
 * checked again within two intervals of the answer to its last poll, which
 * comes at most a poll's wait after it froze: its first check, and so its
 * down, is at most a poll's wait plus one interval later than with a check
 * every round (0.5 s shipped). A window reaching up to the lease delayed a
 * frozen leader's failover by ~3 s with a 4 s lease (seen in CI).
 * And never more than leaseMs + clockDriftMs − downAfterMs − probeIntervalMs,
 * so a dead process (connections refused) is down no later either: a node
 * heard within the lease is never down, and the checks that follow still
 * fill a quorum run of downAfterMs before that.
 */
export const heardSkipsCheckMs = (s: FailoverSettings) =>
  Math.min(s.probeIntervalMs, Math.max(0, s.leaseMs + s.clockDriftMs - s.downAfterMs - s.probeIntervalMs));

/**
 * Positions (followers, high watermark) every STATUS_EVERY_MS, best effort and beside the rounds:
 * a slow /status on a busy node (or across a WAN) is not a failed check, the liveness answer is,
 * and waiting for it made every round as long as the slowest status read, which is the step at
 * which a quorum's downAfterMs is counted.
 */
function readStatusIfDue(input: ProbeRoundInput, node: NodeRef, h: NodeHealth): void {
  const { now, probe, settings } = input;
  const readAt = input.statusReadAt.get(node.id);
  if ((readAt !== undefined && now() - readAt < STATUS_EVERY_MS) || input.statusInFlight?.has(node.id)) return;
  input.statusInFlight?.add(node.id);
  const requestedAt = now();
  void probe
    .status(node, settings.probeTimeoutMs)
    .then(
      (status) => {
        h.recordPositions(status, now(), requestedAt);
        input.statusReadAt.set(node.id, now());
      },
      () => undefined,
    )
    .finally(() => input.statusInFlight?.delete(node.id));
}

/** A witness (the controller included) stalled longer than this gives no vote: half a check's timeout. */
export const lagLimitMs = (s: FailoverSettings) => Math.floor(s.probeTimeoutMs / 2);

/**
 * One round of checks: the controller's own check of every target (the
 * cheap liveness check; the full status, best effort, every STATUS_EVERY_MS),
 * then, for the nodes that failed it, one batched
 * question to the witnesses. Each failure is judged with the round's votes:
 * the controller's own vote is one of them (none when it was starved), so a
 * node is only ever down by the quorum rule (witness.ts). Without a witness
 * panel the controller's own check decides alone, as before witnesses
 * existed (tests of the decision logic), and a starved round counts nothing.
 * A node whose own watch poll the control plane answered within the lease is
 * alive by the strongest evidence there is, and is never down; one answered
 * within heardSkipsCheckMs is not even checked. (So a node that reaches the
 * control plane while the control plane cannot reach it shows as up, not
 * suspect: it could not be failed over either way.)
 */
export async function probeRound(input: ProbeRoundInput): Promise<ProbeRoundResult> {
  const { targets, health, probe, settings, now } = input;
  const failed = new Map<string, { error: string; kind: 'refused' | 'timeout' | 'error'; ms: number }>();
  const back: string[] = [];
  const quietMs = heardSkipsCheckMs(settings);
  await Promise.all(
    targets.map(async (node) => {
      let h = health.get(node.id);
      if (!h) {
        h = new NodeHealth(now());
        health.set(node.id, h);
      }
      const was = h.state;
      const started = performance.now();
      try {
        const heard = input.heardAgoMs?.(node.id);
        if (probe.alive && heard !== undefined && heard < quietMs) {
          // Its own watch poll, answered with a lease just now, is the liveness answer: no check is sent.
          h.recordAlive(now());
          readStatusIfDue(input, node, h);
        } else if (probe.alive) {
          await probe.alive(node, settings.probeTimeoutMs);
          h.recordAlive(now());
          readStatusIfDue(input, node, h);
        } else {
          const requestedAt = now();
          h.recordOk(await probe.status(node, settings.probeTimeoutMs), now(), requestedAt);
        }
        if (was === 'down') back.push(node.id);
      } catch (err) {
        failed.set(node.id, { error: (err as Error).message ?? String(err), kind: failureKind(err), ms: Math.round(performance.now() - started) });
      }
    }),
  );
  const starved = input.lagMs > lagLimitMs(settings);
  const judged = [...failed.keys()].filter((id) => health.get(id)?.state !== 'unknown');
  const votes = input.witnesses && judged.length > 0 ? await input.witnesses.ask(judged, settings.probeTimeoutMs, lagLimitMs(settings)) : undefined;
  const newlyDown: string[] = [];
  for (const [id, f] of failed) {
    const h = health.get(id) as NodeHealth;
    if (!input.witnesses) {
      if (starved) continue;
      if (h.recordFailure(f.error, now(), settings.downAfterMs, undefined, settings.slowDownAfterMs)) newlyDown.push(id);
      continue;
    }
    const own: WitnessVote = starved
      ? { witness: 'control-plane', region: input.controllerRegion, verdict: 'abstain', detail: `starved: event loop stalled ${input.lagMs} ms` }
      : { witness: 'control-plane', region: input.controllerRegion, verdict: 'down', failure: f.kind, detail: f.error, ms: f.ms };
    const heard = input.heardAgoMs?.(id);
    const alive = heard !== undefined && heard <= settings.leaseMs + settings.clockDriftMs;
    const watch: WitnessVote[] = alive
      ? [{ witness: 'watch', region: input.controllerRegion, verdict: 'up', detail: `its watch poll was answered with a lease ${heard} ms ago` }]
      : [];
    const all = [own, ...(votes?.get(id) ?? []), ...watch];
    h.lastVotes = all;
    h.lastVotesAt = now();
    const verdict = judgeVotes(all, settings.witnessQuorum, settings.witnessRegions);
    // The quorum run keeps counting while the node is still heard: a killed node is down as soon as both
    // the quorum has lasted downAfterMs and its last poll is a lease ago, not one after the other.
    if (h.recordFailure(f.error, now(), settings.downAfterMs, verdict, settings.slowDownAfterMs, alive)) newlyDown.push(id);
  }
  return { newlyDown, back, starved };
}
