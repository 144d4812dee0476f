import { readFile } from 'node:fs/promises';
import { type LoadedTopology, parseTopology, type ValidationResult, validateTopology } from '@setgate/config';
import type { TopologyPutResponse } from '@setgate/contracts';
import { TopologyView } from '@setgate/topology';
import { NodeErrors } from './errors.js';
import type { Ownership } from './ownership.js';
import type { Replicator } from './replication/replicator.js';

/**
 * Takes a new topology into a running node, from whichever source heard it
 * (`PUT /internal/topology`, a SIGHUP or a periodic read of `--config`):
 * validate, refuse an older version, swap the view whole, then reconcile
 * replication with the new placement. Taking a version in never renews the
 * leader lease by itself: only an answer to the node's own request, with the
 * time that request was sent, does (`renewLease`; see lease.ts).
 */
export class TopologyUpdates {
  constructor(
    private readonly ownership: Ownership,
    private readonly replicator: Replicator,
  ) {}

  /**
   * The control plane answered a request this node sent at `sentAt` (monotonic
   * ms) and confirmed `version`: renew the leader lease from sentAt, but only
   * when the node runs that very version (a version it refused, or one not yet
   * swapped in, confirms nothing about what it runs). Returns whether it renewed.
   */
  renewLease(sentAt: number, version: number): boolean {
    if (this.ownership.view.version !== version) return false;
    this.replicator.lease.renew(sentAt, version);
    return true;
  }

  /** The control plane withholds this node's lease (it is failing it over): stop admitting writes now. */
  revokeLease(sentAt: number): void {
    this.replicator.lease.revoke(sentAt);
  }

  /** Applies an already-parsed document; throws a problem when it is invalid or older. */
  async apply(doc: unknown): Promise<TopologyPutResponse> {
    return this.take(validateTopology(doc));
  }

  /** Applies a topology already validated by its source (the control-plane watch validates every version). */
  async applyLoaded(topology: LoadedTopology): Promise<TopologyPutResponse> {
    return this.take({ ok: true, topology });
  }

  /** Reads and applies a topology file; throws when the file cannot be read or is refused. */
  async reload(path: string): Promise<TopologyPutResponse> {
    return this.take(parseTopology(await readFile(path, 'utf8'), path));
  }

  private async take(result: ValidationResult): Promise<TopologyPutResponse> {
    if (!result.ok) {
      throw NodeErrors.create('SETGATE_NODE_INVALID_CONFIG', {
        detail: `${result.problems.length} problem(s) in the topology`,
        extensions: { problems: result.problems },
      });
    }
    const current = this.ownership.view.version;
    const version = result.topology.version;
    if (version < current) {
      throw NodeErrors.create('SETGATE_NODE_STALE_CONFIG', {
        detail: `version ${version} is older than ${current}`,
        extensions: { configVersion: current },
      });
    }
    if (version === current) return { version, swapped: false };
    try {
      this.ownership.swap(new TopologyView(result.topology));
    } catch (err) {
      throw NodeErrors.create('SETGATE_NODE_INVALID_CONFIG', { detail: (err as Error).message, cause: err });
    }
    await this.replicator.reconcile();
    return { version, swapped: true };
  }
}
