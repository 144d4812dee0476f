import type { FetchRequest, FetchResponse, FetchSessionRequest, FetchSessionResponse, FetchSessionShard, LeaderMark, ReplicatedEntry } from '@setgate/contracts';
import { SetgateError } from '@setgate/contracts';
import { NodeErrors } from '../errors.js';
import type { LeaderTracker } from './leader-tracker.js';
import { idleFetchWaitMs } from './fetch-wait.js';
import { Notifier } from './notifier.js';
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

type Prepared =
  /** The follower's log is consistent with ours: entries (maybe none yet) follow. */
  | { readonly shard: number; readonly kind: 'read'; readonly fromLsn: number; readonly follower: string; readonly tracker: LeaderTracker; readonly mark: () => LeaderMark }
  /** Truncate or snapshot: said at once. */
  | { readonly shard: number; readonly kind: 'answer'; readonly answer: FetchResponse }
  | { readonly shard: number; readonly kind: 'refused'; readonly error: SetgateError };

/**
 * One shard's part of a fetch: first whether the follower's log is a prefix
 * of ours (else where to truncate), then whether we still have its next entry
 * (else a snapshot). Only a consistent fetch counts as an acknowledgement.
 */
function prepare(r: Replicator, node: string, req: FetchSessionShard): Prepared {
  const { shard } = req;
  let tracker: LeaderTracker;
  try {
    tracker = leaderFor(r, shard, req.epoch);
  } catch (err) {
    if (err instanceof SetgateError) return { shard, kind: 'refused', error: err };
    throw err;
  }
  const follower = r.ownership.view.replicaNodes(shard).find((n) => n.id === node && n.id !== r.ownership.nodeId);
  if (!follower) {
    const error = NodeErrors.create('SETGATE_NODE_INVALID_REQUEST', {
      detail: `node ${node} holds no replica of shard ${shard}`,
      extensions: { location: 'body', field: 'node' },
    });
    return { shard, kind: 'refused', error };
  }
  const store = r.store.shard(shard);
  const mark = (): LeaderMark => ({ epoch: req.epoch, leaderLsn: store.position().lsn, highWatermark: tracker.highWatermark(), logStart: store.logStart() });
  const held = req.fromLsn - 1;
  if (held > 0) {
    const end = endOfEpoch(store.epochHistory(), req.lastEpoch, store.position().lsn);
    if (held > end) return { shard, kind: 'answer', answer: { kind: 'truncate', toLsn: end, ...mark() } };
  }
  if (req.fromLsn < store.logStart()) return { shard, kind: 'answer', answer: { kind: 'snapshot', ...mark() } };
  tracker.recordFetch(follower.id, follower.region, req.fromLsn);
  return { shard, kind: 'read', fromLsn: req.fromLsn, follower: follower.id, tracker, mark };
}

type Reading = Extract<Prepared, { kind: 'read' }>;

/**
 * Next entries of every consistent shard, at most `budget` in all. The first
 * shard read is random, so one busy shard that fills every answer cannot
 * starve the others of their turn.
 */
async function readAll(r: Replicator, reading: readonly Reading[], budget: number): Promise<Map<number, readonly ReplicatedEntry[]>> {
  const out = new Map<number, readonly ReplicatedEntry[]>();
  const first = Math.floor(Math.random() * reading.length);
  let left = budget;
  for (let i = 0; i < reading.length; i++) {
    const p = reading[(first + i) % reading.length] as Reading;
    const entries = left > 0 ? await r.store.shard(p.shard).readLog(p.fromLsn, left) : [];
    left -= entries.length;
    out.set(p.shard, entries);
  }
  return out;
}

/**
 * Answers a session fetch: every shard's truncate, snapshot or entries —
 * holding the request up to the long-poll bound while no shard has anything
 * to say. A shard this node will not serve is refused on its own; the
 * others are answered as usual.
 */
async function answerSession(r: Replicator, req: FetchSessionRequest, signal?: AbortSignal): Promise<Array<{ prepared: Prepared; answer?: FetchResponse }>> {
  const settings = r.settings;
  const budget = Math.min(req.maxEntries ?? settings.fetchMaxEntries, settings.fetchMaxEntries);
  const prepared = req.shards.map((s) => prepare(r, req.node, s));
  const reading = prepared.filter((p): p is Reading => p.kind === 'read');
  let entries = await readAll(r, reading, budget);
  const quiet = reading.length === prepared.length && [...entries.values()].every((e) => e.length === 0);
  if (quiet && reading.length > 0) {
    // An idle session may ask for longer than fetchMaxWaitMs (fetch-wait.ts); nothing asks for more than that.
    const waitMs = Math.min(req.maxWaitMs ?? settings.fetchMaxWaitMs, idleFetchWaitMs(r.ownership.view.doc));
    await Notifier.any(
      reading.map((p) => p.tracker.appended),
      waitMs,
      signal,
    );
    entries = await readAll(r, reading, budget);
  }
  return prepared.map((p) => {
    if (p.kind === 'refused') return { prepared: p };
    if (p.kind === 'answer') return { prepared: p, answer: p.answer };
    const got = entries.get(p.shard) ?? [];
    const mark = p.mark();
    p.tracker.recordAnswer(p.follower, mark.leaderLsn);
    const traces = got.length === 0 ? undefined : p.tracker.traces.between((got[0] as ReplicatedEntry).lsn, (got[got.length - 1] as ReplicatedEntry).lsn);
    return { prepared: p, answer: { kind: 'entries', entries: got, ...mark, ...(traces === undefined ? {} : { traces }) } };
  });
}

/** The session endpoint: every shard the follower follows from this node, in one long-poll. */
export async function serveFetchSession(r: Replicator, req: FetchSessionRequest, signal?: AbortSignal): Promise<FetchSessionResponse> {
  const answered = await answerSession(r, req, signal);
  return {
    answers: answered.map(({ prepared, answer }) => {
      if (answer) return { shard: prepared.shard, ...answer };
      const { error } = prepared as Extract<Prepared, { kind: 'refused' }>;
      return { shard: prepared.shard, kind: 'refused' as const, status: error.status, code: error.code, detail: error.message };
    }),
  };
}

/** The one-shard endpoint: a session of one shard, whose refusal is the whole answer's error status. */
export async function serveFetch(r: Replicator, shard: number, req: FetchRequest, signal?: AbortSignal): Promise<FetchResponse> {
  const session: FetchSessionRequest = {
    node: req.node,
    shards: [{ shard, epoch: req.epoch, fromLsn: req.fromLsn, lastEpoch: req.lastEpoch }],
    ...(req.maxEntries === undefined ? {} : { maxEntries: req.maxEntries }),
    ...(req.maxWaitMs === undefined ? {} : { maxWaitMs: req.maxWaitMs }),
  };
  const [only] = await answerSession(r, session, signal);
  if (only === undefined) throw new Error('a session of one shard has one answer');
  if (only.answer) return only.answer;
  throw (only.prepared as Extract<Prepared, { kind: 'refused' }>).error;
}
