import type { FetchRequest, FetchResponse, LeaderMark, ReplicatedEntry } from '@setgate/contracts';
import { NodeErrors } from '../errors.js';
import type { LeaderTracker } from './leader-tracker.js';
import { endOfEpoch } from './quorum.js';
import type { Replicator } from './replicator.js';

/**
 * The leader's checks shared by every replication call: the shard must be
 * led here at exactly the caller's epoch. An older caller epoch is fenced
 * (409 with the current one); a newer one means this node's config is behind (421).
 */
export function leaderFor(r: Replicator, shard: number, callerEpoch: number): LeaderTracker {
  const { ownership } = r;
  const view = ownership.view;
  if (shard >= view.shardCount || !ownership.holds(shard, view)) {
    throw NodeErrors.create('SETGATE_NODE_SHARD_NOT_HELD', { detail: `shard ${shard} is not held here`, extensions: { shard } });
  }
  const epoch = Math.max(view.placement(shard).epoch, r.store.shard(shard).position().epoch);
  if (callerEpoch < epoch) {
    throw NodeErrors.create('SETGATE_NODE_STALE_EPOCH', {
      detail: `shard ${shard} is at epoch ${epoch}; the request carries epoch ${callerEpoch}`,
      extensions: { shard, epoch },
    });
  }
  const tracker = callerEpoch === view.placement(shard).epoch ? r.leader(shard) : undefined;
  if (!tracker) {
    const owner = ownership.owner(shard, view);
    throw NodeErrors.create('SETGATE_NODE_NOT_WRITE_POINT', {
      detail: `not the write-point of shard ${shard} at epoch ${callerEpoch} (config version ${view.version})`,
      extensions: { shard, owner, configVersion: view.version },
    });
  }
  return tracker;
}

/**
 * Answers one fetch: first whether the follower's log is a prefix of ours
 * (else where to truncate), then whether we still have its next entry (else
 * a snapshot), then the entries — holding the request up to the long-poll
 * bound when there are none yet. Only a consistent fetch counts as an
 * acknowledgement.
 */
export async function serveFetch(r: Replicator, shard: number, req: FetchRequest, signal?: AbortSignal): Promise<FetchResponse> {
  const tracker = leaderFor(r, shard, req.epoch);
  const view = r.ownership.view;
  const follower = view.replicaNodes(shard).find((n) => n.id === req.node && n.id !== r.ownership.nodeId);
  if (!follower) {
    throw NodeErrors.create('SETGATE_NODE_INVALID_REQUEST', {
      detail: `node ${req.node} holds no replica of shard ${shard}`,
      extensions: { location: 'body', field: 'node' },
    });
  }
  const store = r.store.shard(shard);
  const settings = r.settings;
  const mark = (): LeaderMark => ({
    epoch: req.epoch,
    leaderLsn: store.position().lsn,
    highWatermark: tracker.highWatermark(),
    logStart: store.logStart(),
  });

  const held = req.fromLsn - 1;
  if (held > 0) {
    const end = endOfEpoch(store.epochHistory(), req.lastEpoch, store.position().lsn);
    if (held > end) return { kind: 'truncate', toLsn: end, ...mark() };
  }
  if (req.fromLsn < store.logStart()) return { kind: 'snapshot', ...mark() };

  tracker.recordFetch(follower.id, follower.region, req.fromLsn);
  const max = Math.min(req.maxEntries ?? settings.fetchMaxEntries, settings.fetchMaxEntries);
  let entries = await store.readLog(req.fromLsn, max);
  if (entries.length === 0) {
    await tracker.appended.wait(Math.min(req.maxWaitMs ?? settings.fetchMaxWaitMs, settings.fetchMaxWaitMs), signal);
    entries = await store.readLog(req.fromLsn, max);
  }
  const answer = mark();
  tracker.recordAnswer(follower.id, answer.leaderLsn);
  const traces = entries.length === 0 ? undefined : tracker.traces.between((entries[0] as ReplicatedEntry).lsn, (entries[entries.length - 1] as ReplicatedEntry).lsn);
  return { kind: 'entries', entries, ...answer, ...(traces === undefined ? {} : { traces }) };
}
