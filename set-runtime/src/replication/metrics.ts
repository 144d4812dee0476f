import type { Telemetry } from '@setgate/telemetry';

type Meter = Telemetry['meter'];
import type { Replicator } from './replicator.js';

/**
 * Replication gauges on the node's Prometheus endpoint, read at scrape time:
 * per shard the LSN and high watermark, per follower its lag in entries (on
 * the leader), and this replica's lag and staleness (on a follower).
 */
export function registerReplicationMetrics(meter: Meter, replicator: Replicator): void {
  const lsn = meter.createObservableGauge('setgate_replication_lsn', { description: 'Last LSN of the local log per shard.' });
  const hw = meter.createObservableGauge('setgate_replication_high_watermark', { description: 'High watermark per shard (leader).' });
  const lag = meter.createObservableGauge('setgate_replication_lag_entries', { description: 'Entries a replica is behind the leader.' });
  const stale = meter.createObservableGauge('setgate_replication_staleness_seconds', {
    unit: 's',
    description: 'Seconds since this replica was last caught up (follower); compare with a command\'s maxStalenessMs / 1000.',
  });
  meter.addBatchObservableCallback(
    (result) => {
      const { ownership, store } = replicator;
      for (const shard of ownership.heldShards()) {
        const s = store.shard(shard);
        const position = s.position();
        result.observe(lsn, position.lsn, { shard });
        const tracker = replicator.leader(shard);
        if (tracker) {
          result.observe(hw, tracker.highWatermark(), { shard });
          for (const f of tracker.ackPositions()) result.observe(lag, Math.max(0, position.lsn - f.ackLsn), { shard, follower: f.node });
        } else {
          const fresh = replicator.freshness(shard);
          result.observe(lag, fresh.lagEntries, { shard, follower: ownership.nodeId });
          if (fresh.stalenessMs !== Number.MAX_SAFE_INTEGER) result.observe(stale, fresh.stalenessMs / 1000, { shard });
        }
      }
    },
    [lsn, hw, lag, stale],
  );
}
