import type { KeySourceDef } from '@setgate/config';
import type { SetgateError } from '@setgate/contracts';
import type { FastifyRequest } from 'fastify';
import { GatewayErrors } from '../../errors.js';
import { type RouteMatch, SHARD_KEY_RULE, shardKeyFault } from '@setgate/topology';
import type { Principal } from '../auth/principal.js';

/** A shard key, or the 400 to answer when the request does not carry one. */
export type ShardKeyResult = { readonly key: string } | { readonly error: SetgateError };

/** Reads the shard key from where the command says it comes from. */
export function shardKeyOf(
  source: KeySourceDef | Readonly<KeySourceDef>,
  request: FastifyRequest,
  match: RouteMatch,
  principal: Principal | undefined,
): ShardKeyResult {
  switch (source.from) {
    case 'subject':
      // Validation keeps anonymous commands off the subject; this guards a table built without it.
      return present(principal?.subject, 'the token subject');
    case 'param':
      return present(match.params[source.name], `path parameter ${source.name}`);
    case 'header':
      return single(request.headers[source.name.toLowerCase()], `header ${source.name}`);
    case 'query':
      return single((request.query as Record<string, unknown> | undefined)?.[source.name], `query parameter ${source.name}`);
  }
}

function single(value: unknown, where: string): ShardKeyResult {
  // Two values would let two hops disagree on the shard; refuse instead of picking one.
  if (Array.isArray(value)) {
    return { error: GatewayErrors.create('SETGATE_GW_AMBIGUOUS_KEY', { detail: `${where} is given more than once` }) };
  }
  return present(typeof value === 'string' ? value : undefined, where);
}

function present(value: string | undefined, where: string): ShardKeyResult {
  if (value === undefined || value.length === 0) {
    return { error: GatewayErrors.create('SETGATE_GW_MISSING_KEY', { detail: `The shard key comes from ${where}, which is missing` }) };
  }
  // The one shard-key rule: a key no header or node path can carry is the client's error, found before routing.
  const fault = shardKeyFault(value);
  if (fault !== undefined) {
    return {
      error: GatewayErrors.create('SETGATE_GW_INVALID_KEY', {
        detail: `The shard key (from ${where}) ${fault}; a key is ${SHARD_KEY_RULE}.`,
      }),
    };
  }
  return { key: value };
}
