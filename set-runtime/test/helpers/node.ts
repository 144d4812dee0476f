import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTelemetry, type Telemetry } from '@setgate/telemetry';
import type { TopologyView } from '@setgate/topology';
import { buildNode, LmdbNodeStore, type SetNode } from '../../src/index.js';
import { testView } from './topology.js';

let telemetry: Telemetry | undefined;

/** One silent telemetry per test process: it registers global OpenTelemetry providers. */
export function testTelemetry(): Telemetry {
  telemetry ??= startTelemetry({ service: 'set-runtime', instance: 'test', logLevel: 'silent' });
  return telemetry;
}

/** A fresh temp directory and a function that removes it. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'setgate-node-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestNode {
  readonly node: SetNode;
  readonly dir: string;
  /** Closes the node and removes its data directory. */
  cleanup(): Promise<void>;
}

/** Builds a node of the test topology on a temp directory, not listening (use app.inject). */
export function startTestNode(nodeId: string, view: TopologyView = testView(), internalToken?: string): TestNode {
  const { dir, remove } = tempDir();
  const store = LmdbNodeStore.open({ dir: join(dir, nodeId) });
  // Alone, a node has no control plane to renew the lease it is granted at start: its lease clock
  // stands still, so a busy machine cannot run the 2 s lease out mid-test (503 LEASE_EXPIRED was seen).
  const node = buildNode({
    view,
    nodeId,
    store,
    telemetry: testTelemetry(),
    idempotencyPruneIntervalMs: 0,
    leaseClock: () => 0,
    ...(internalToken ? { internalToken } : {}),
  });
  return {
    node,
    dir,
    async cleanup() {
      await node.close();
      remove();
    },
  };
}
