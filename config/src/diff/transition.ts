import type { LoadedTopology } from '../load.js';
import type { ConfigProblem } from '../problems.js';

/**
 * What no valid document can be judged on alone: whether it may follow the
 * current one. shardCount is fixed at creation (keys would rehash), and a
 * leadership change must raise the epoch so the old leader's writes are fenced.
 */
export function checkTransition(current: LoadedTopology, next: LoadedTopology): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (current.shardCount !== next.shardCount) {
    problems.push({
      path: '/shardCount',
      message: `shardCount is fixed at creation (${current.shardCount}); changing it would rehash every key`,
    });
  }
  const old = new Map(current.placements.map((p) => [p.shard, p]));
  next.placements.forEach((p, i) => {
    const q = old.get(p.shard);
    if (!q) return;
    if (p.epoch < q.epoch) {
      problems.push({ path: `/placements/${i}/epoch`, message: `shard ${p.shard}: epoch ${p.epoch} is below the current ${q.epoch}` });
    }
    const leaderMoved = q.leader !== p.leader || (q.leaderNode ?? null) !== (p.leaderNode ?? null);
    if (leaderMoved && p.epoch <= q.epoch) {
      problems.push({
        path: `/placements/${i}/epoch`,
        message: `shard ${p.shard}: leader changes from ${q.leader} to ${p.leader} but epoch stays ${p.epoch}; it must be at least ${q.epoch + 1}`,
      });
    }
  });
  return problems;
}
