import type { NodeRef } from '@setgate/topology';
import { type ClientOutcome, HttpClientMetrics, type Meter, outcomeOfError, outcomeOfStatus } from '@setgate/telemetry';

/**
 * `http.client.request.duration` of the gateway's attempts on nodes (s), by the
 * node's region, set and id and the attempt's outcome: ok, error_status, misdirected
 * (421), retried (the answer moved the walk on, e.g. a replica's 409), or for an
 * unanswered attempt timeout, refused, failed, or ejected (this failure ejected the node).
 */
export class NodeAttemptMetrics {
  private readonly metrics: HttpClientMetrics;

  constructor(meter: Meter, region: string) {
    this.metrics = new HttpClientMetrics(meter, { 'setgate.region': region });
  }

  answered(node: NodeRef, startedAt: number, status: number, movedOn: boolean): void {
    this.record(node, startedAt, movedOn && status !== 421 ? 'retried' : outcomeOfStatus(status));
  }

  failed(node: NodeRef, startedAt: number, err: unknown, ejected: boolean): void {
    this.record(node, startedAt, ejected ? 'ejected' : outcomeOfError(err));
  }

  private record(node: NodeRef, startedAt: number, outcome: ClientOutcome): void {
    this.metrics.record(
      node.id,
      () => ({ 'setgate.upstream.region': node.region, 'setgate.set': node.set, 'setgate.node': node.id }),
      outcome,
      (performance.now() - startedAt) / 1000,
    );
  }
}
