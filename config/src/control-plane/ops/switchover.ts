import type { AdminRoleName, LoadedTopology, Topology } from '@setgate/config';
import type { ConfigService } from '../config-service.js';
import type { ChangeAction } from '../store/config-store.js';
import { runLeaderChange, type ShardSwitch, type SwitchoverReport } from './leader-protocol.js';
import { applyMoves, type LeaderMove } from './placement-plan.js';
import type { ReplicationControl } from './replication-control.js';

export type { ShardSwitch, SwitchoverReport };

export interface SwitchoverOptions {
  readonly service: ConfigService;
  readonly control: ReplicationControl;
  readonly moves: readonly LeaderMove[];
  /** The document to publish, rebuilt from the then-current version (drain flags etc.); the moves are added to it. */
  readonly edit: (current: LoadedTopology) => Topology;
  readonly author: string;
  /** The author's role, audited with the version. */
  readonly role?: AdminRoleName;
  readonly reason: string;
  readonly action: ChangeAction;
  /** The operator's explicit choice to promote a target that may lack acknowledged writes (`--force-unclean`). */
  readonly force?: boolean;
  readonly catchUpTimeoutMs?: number;
  readonly pollMs?: number;
  readonly progress?: (message: string) => void;
}

/**
 * A planned switchover (shard move, drain): the moves carried out by the
 * leader-change protocol (leader-protocol.ts): fence, catch-up, epoch + 1,
 * no acknowledged write lost, or refused with each shard's reason.
 */
export async function runSwitchover(opts: SwitchoverOptions): Promise<SwitchoverReport> {
  const { record, report } = await runLeaderChange({
    service: opts.service,
    control: opts.control,
    build: (cur) => applyMoves(opts.edit(cur), opts.moves),
    author: opts.author,
    ...(opts.role ? { role: opts.role } : {}),
    reason: opts.reason,
    action: opts.action,
    ...(opts.force ? { force: true } : {}),
    ...(opts.catchUpTimeoutMs === undefined ? {} : { catchUpTimeoutMs: opts.catchUpTimeoutMs }),
    ...(opts.pollMs === undefined ? {} : { pollMs: opts.pollMs }),
    ...(opts.progress ? { progress: opts.progress } : {}),
  });
  return report ?? { version: record.version, shards: [], maxWritePauseMs: 0, forced: false };
}
