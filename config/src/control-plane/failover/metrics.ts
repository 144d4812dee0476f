import type { Telemetry } from '@setgate/telemetry';
import type { FailoverStatus } from './controller.js';

type Meter = Telemetry['meter'];

/** Outcomes counted by `setgate_failover_decisions_total`. */
export type FailoverOutcome = 'promoted' | 'suppressed' | 'held' | 'publish-failed';

export interface FailoverMetrics {
  count(outcome: FailoverOutcome, node: string, by?: number): void;
}

/**
 * The controller's metrics on the control plane's Prometheus endpoint:
 * per probed node whether it answers and for how long it has not, whether a
 * failover of it is being suppressed (paused), and a counter of decisions.
 */
export function registerFailoverMetrics(meter: Meter, status: () => FailoverStatus): FailoverMetrics {
  const up = meter.createObservableGauge('setgate_failover_node_up', {
    description: '1 when the node answered its last failover probe, 0 when not (or never since start).',
  });
  const down = meter.createObservableGauge('setgate_failover_node_unreachable_seconds', {
    unit: 's',
    description: 'Seconds since the node first failed its current run of probes; 0 while it answers.',
  });
  const suppressed = meter.createObservableGauge('setgate_failover_suppressed', {
    description: '1 while a failover of this down write-point is suppressed because automated failover is paused.',
  });
  const paused = meter.createObservableGauge('setgate_failover_paused', { description: '1 while automated failover is paused.' });
  const decisions = meter.createCounter('setgate_failover_decisions_total', {
    description: 'Failover decisions about down write-points, by outcome (promoted counts shards; the others count episodes).',
  });
  meter.addBatchObservableCallback(
    (result) => {
      const s = status();
      result.observe(paused, s.paused ? 1 : 0);
      for (const n of s.nodes) {
        result.observe(up, n.state === 'up' ? 1 : 0, { node: n.node });
        result.observe(down, n.unreachableMs / 1000, { node: n.node });
        result.observe(suppressed, s.suppressed.some((x) => x.node === n.node) ? 1 : 0, { node: n.node });
      }
    },
    [up, down, suppressed, paused],
  );
  return { count: (outcome, node, by = 1) => decisions.add(by, { outcome, node }) };
}
