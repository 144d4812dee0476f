import { SHARD_KEY_MAX_CHARS, SHARD_KEY_PATTERN } from '@setgate/topology';
import { Type } from '@sinclair/typebox';

/** A shard key as it appears in a path: what the gateway put in `{key}`, held to the one shard-key rule (topology's shard-key.ts). */
export const ShardKey = Type.String({ minLength: 1, maxLength: SHARD_KEY_MAX_CHARS, pattern: SHARD_KEY_PATTERN, description: 'The shard key.' });

/** A collection name: the raw state API's `kv`, or a command's document kind. */
export const CollectionName = Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' });

/** Path parameters of every `/cmd/.../{key}` route. */
export const KeyParams = Type.Object({ key: ShardKey }, { additionalProperties: false });
