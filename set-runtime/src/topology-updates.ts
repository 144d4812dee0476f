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
 * validate, refuse an older version, swap the view whole, renew the leader
 * lease, then reconcile replication with the new placement. The same
 * version again only renews the lease.
 */
export class TopologyUpdates {
  constructor(
    private readonly ownership: Ownership,
    private readonly replicator: Replicator,
  ) {}

  /** The control plane was heard and this node's version is still current: renew the leader lease. */
  renewLease(): void {
    this.replicator.lease.renew();
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
    if (version === current) {
      this.replicator.lease.renew();
      return { version, swapped: false };
    }
    try {
      this.ownership.swap(new TopologyView(result.topology));
    } catch (err) {
      throw NodeErrors.create('SETGATE_NODE_INVALID_CONFIG', { detail: (err as Error).message, cause: err });
    }
    this.replicator.lease.renew();
    await this.replicator.reconcile();
    return { version, swapped: true };
  }
}
