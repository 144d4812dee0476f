import type { FetchSessionResponse } from '@setgate/contracts';
import type { Telemetry } from '@setgate/telemetry';
import { QUIET_ROUNDS_BEFORE_IDLE } from './fetch-wait.js';
import { Notifier } from './notifier.js';
import type { PeerClient } from './peer-client.js';
import { RETRY_MS, type ShardFollower } from './shard-follower.js';

export interface FollowerSettings {
  readonly fetchMaxWaitMs: number;
  readonly fetchMaxEntries: number;
  /** The wait asked for once the session is idle (fetch-wait.ts). */
  readonly fetchIdleWaitMs: number;
}

/** How long a session with no shard due sleeps before it looks again (a new member or a restore wakes it sooner). */
const IDLE_MS = 60_000;

/**
 * Every shard this node follows from one leader, pulled in one long-poll:
 * fetch each shard from its next LSN, hand each shard its answer, fetch
 * again. One session per leader–follower pair, not a long-poll per shard:
 * an idle node then wakes about twice a second per leader it follows rather
 * than per shard (64 shards on six nodes: 12 sessions instead of 128 loops).
 * A write to any shard still ends the long-poll at once, so replication is
 * no slower to notice it.
 */
export class FetchSession {
  private readonly members = new Map<number, ShardFollower>();
  private readonly abort = new AbortController();
  /** Membership changed or a restore ended: a waiting session looks again. */
  private readonly changed = new Notifier();
  /** The fetch in flight, aborted when the set of shards to ask for changes. */
  private round: AbortController | undefined;
  /** Answers in a row that brought nothing: from QUIET_ROUNDS_BEFORE_IDLE on, the session waits fetchIdleWaitMs. */
  private quietRounds = 0;
  private running: Promise<void> | undefined;

  constructor(
    readonly leaderId: string,
    readonly leaderAdminUrl: string,
    private readonly nodeId: string,
    private readonly peer: PeerClient,
    private readonly settings: () => FollowerSettings,
    private readonly logger: Telemetry['logger'],
  ) {}

  get size(): number {
    return this.members.size;
  }

  /** Adds a shard; the fetch in flight (which does not name it) is redone at once. */
  add(follower: ShardFollower): void {
    this.members.set(follower.target.shard, follower);
    this.poke();
    this.running ??= this.loop();
  }

  /** Removes a shard and stops it: once this resolves, no answer is applied to it any more. */
  async remove(follower: ShardFollower): Promise<void> {
    if (this.members.get(follower.target.shard) === follower) this.members.delete(follower.target.shard);
    await follower.stop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private poke(): void {
    this.quietRounds = 0;
    this.round?.abort();
    this.changed.notify();
  }

  private async loop(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      const now = performance.now();
      const members = [...this.members.values()];
      const due = members.filter((m) => m.dueIn(now) === 0);
      // The long-poll may last only until the next shard kept out (after a refusal) is due again.
      const nextDue = Math.min(IDLE_MS, ...members.map((m) => m.dueIn(now)).filter((ms) => ms > 0));
      if (due.length === 0) {
        await this.changed.wait(nextDue, signal);
        continue;
      }
      await this.fetchRound(due, nextDue, signal);
    }
  }

  private async fetchRound(due: readonly ShardFollower[], nextDue: number, signal: AbortSignal): Promise<void> {
    const s = this.settings();
    const round = new AbortController();
    this.round = round;
    const waitMs = this.quietRounds >= QUIET_ROUNDS_BEFORE_IDLE ? s.fetchIdleWaitMs : s.fetchMaxWaitMs;
    const maxWaitMs = Math.max(0, Math.min(waitMs, Math.ceil(nextDue)));
    const fetchedAt = Date.now();
    let answer: FetchSessionResponse;
    try {
      answer = await this.peer.fetchSession(
        this.leaderAdminUrl,
        { node: this.nodeId, shards: due.map((m) => m.request()), maxEntries: s.fetchMaxEntries, maxWaitMs },
        maxWaitMs + 5000,
        AbortSignal.any([signal, round.signal]),
      );
    } catch (err) {
      // Stopped, or the shards to ask for changed: not a failure of the leader.
      if (signal.aborted || round.signal.aborted) return;
      this.logger.debug({ err, leader: this.leaderId, shards: due.length }, 'replication fetch failed');
      this.quietRounds = 0;
      await this.changed.wait(RETRY_MS, signal);
      return;
    } finally {
      if (this.round === round) this.round = undefined;
    }
    if (signal.aborted) return;
    // Idle only when every shard answered with nothing: a refusal, a truncate or a snapshot is news.
    const quiet = answer.answers.every((a) => a.kind === 'entries' && a.entries.length === 0);
    this.quietRounds = quiet ? this.quietRounds + 1 : 0;
    await Promise.all(
      answer.answers.map(async (a) => {
        const m = this.members.get(a.shard);
        // Left the session (or was replaced at a new epoch) while the fetch was out: the answer is not its.
        if (!m || !due.includes(m)) return;
        if (a.kind === 'refused') m.refused(a);
        else await m.handle(a, fetchedAt, () => this.poke());
      }),
    );
  }
}
