import { Header } from '@setgate/contracts';
import type { Stack } from '@setgate/launcher';
import type { PlacedKey } from './key-placement.js';

/**
 * The headers a gateway asserts to a node for `command` on `placed`'s key
 * (key, shard, epoch, subject, command, config version): what a benchmark
 * sends to drive a node directly, as the gateway would.
 */
export function assertedHeaders(stack: Stack, placed: Pick<PlacedKey, 'key' | 'shard'>, command: string): Record<string, string> {
  return {
    [Header.key]: placed.key,
    [Header.shard]: String(placed.shard),
    [Header.epoch]: String(stack.view.placement(placed.shard).epoch),
    [Header.subject]: placed.key,
    [Header.command]: command,
    [Header.configVersion]: String(stack.topology.version),
  };
}
