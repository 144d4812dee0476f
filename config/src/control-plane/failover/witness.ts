/** One witness's vote about one write-point in one round. */
export interface WitnessVote {
  /** `control-plane` (the controller's own check) or a gateway id. */
  readonly witness: string;
  readonly region: string;
  /** abstain: the witness could not be asked, or was itself starved: no evidence either way. */
  readonly verdict: 'up' | 'down' | 'abstain';
  /** For down: 'refused' (nothing listens) or 'timeout'/'error' (maybe merely slow). */
  readonly failure?: 'refused' | 'timeout' | 'error';
  readonly detail?: string;
  /** How long the witness's check took. */
  readonly ms?: number;
}

/** What a round's votes add up to for one node. */
export interface QuorumVerdict {
  /** A quorum of witnesses in enough regions finds it unreachable, and they outnumber those that reach it. */
  readonly down: boolean;
  /** Some down vote was a timeout or an error rather than a refusal: the longer slowDownAfterMs applies. */
  readonly slow: boolean;
  readonly downVotes: number;
  readonly upVotes: number;
  readonly abstained: number;
  readonly regions: readonly string[];
}

/** The vantage point the controller's own vote counts as when the control plane's region is not known. */
export const CONTROLLER_REGION = 'control-plane';

/**
 * Counts one round's votes. A write-point is unreachable this round only when
 * at least `quorum` witnesses say so, from at least `regions` distinct
 * regions, and more witnesses say down than up. Abstentions (a witness that
 * could not be asked, or that was starved) count for nothing, so neither a
 * partitioned nor a starved observer can make a node down on its own, and
 * losing witnesses can only delay a failover, never cause one.
 */
export function judgeVotes(votes: readonly WitnessVote[], quorum: number, regions: number): QuorumVerdict {
  const down = votes.filter((v) => v.verdict === 'down');
  const upVotes = votes.filter((v) => v.verdict === 'up').length;
  const downRegions = [...new Set(down.map((v) => v.region))].sort();
  return {
    down: down.length >= quorum && downRegions.length >= regions && down.length > upVotes,
    slow: down.some((v) => v.failure !== 'refused'),
    downVotes: down.length,
    upVotes,
    abstained: votes.length - down.length - upVotes,
    regions: downRegions,
  };
}

/** One line of evidence: who saw what. */
export function formatVotes(votes: readonly WitnessVote[]): string {
  return votes
    .map((v) => {
      const what = v.verdict === 'down' ? `down (${v.failure ?? 'error'}${v.detail ? `: ${v.detail}` : ''})` : v.verdict === 'abstain' ? `no vote (${v.detail ?? 'not asked'})` : 'up';
      return `${v.witness}@${v.region} ${what}`;
    })
    .join(', ');
}

/**
 * Witnesses beside the controller: asked in one batch per round about the
 * nodes the controller's own check failed. Resolves with every witness's
 * votes (abstentions included), never rejects.
 */
export interface WitnessPanel {
  /** Votes per node id. `timeoutMs` bounds each witness's own checks; `lagLimitMs` makes a more starved witness abstain. */
  ask(nodes: readonly string[], timeoutMs: number, lagLimitMs: number): Promise<Map<string, WitnessVote[]>>;
  /** The witnesses it would ask, for status. */
  witnesses(): ReadonlyArray<{ readonly witness: string; readonly region: string }>;
}
