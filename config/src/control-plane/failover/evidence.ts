import type { NodeHealth } from './node-health.js';
import type { FailoverSettings } from './settings.js';
import { formatVotes, judgeVotes } from './witness.js';

/**
 * Who saw what, when, for the audit reason of one node failed over: every
 * witness's last vote, how long the quorum held (and whether the slower
 * threshold applied), and the lease the controller waited out.
 */
export function evidenceOf(node: string, h: NodeHealth, s: FailoverSettings, now: number, grantedAgoMs: number | undefined): string {
  const votes = h.lastVotes;
  const verdict = judgeVotes(votes, s.witnessQuorum, s.witnessRegions);
  const parts = [
    votes.length > 0
      ? `witnesses at ${h.lastVotesAt === undefined ? '?' : new Date(h.lastVotesAt).toISOString()}: ${formatVotes(votes)} (${verdict.downVotes} down in ${verdict.regions.length} region(s), ${verdict.upVotes} up, ${verdict.abstained} no vote; quorum ${s.witnessQuorum} in ${s.witnessRegions} regions)`
      : 'controller check only (no witness panel)',
    `unreachable by quorum for ${(h.quorumForMs(now) / 1000).toFixed(1)} s${h.slowRun ? ' (timeouts: slowDownAfterMs applied)' : ''}`,
    ...(grantedAgoMs === undefined ? [] : [`lease last granted ${(grantedAgoMs / 1000).toFixed(1)} s before, revoked, run out (lease ${s.leaseMs} ms + drift ${s.clockDriftMs} ms)`]),
  ];
  return `${node}: ${parts.join('; ')}`;
}
