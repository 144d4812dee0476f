/**
 * Header names on the wire between components. Everything under the
 * `x-setgate-` prefix is internal: the outermost component strips it from
 * client requests, so a client can never forge routing or identity.
 */
export const INTERNAL_PREFIX = 'x-setgate-';

export const Header = {
  /** Request id, set by the first setgate hop and echoed back to the client. */
  requestId: 'x-request-id',
  /** W3C trace context. */
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  /** Region whose gateway served the request. */
  region: 'x-setgate-region',
  /** Region whose regional proxy received the request. */
  entryRegion: 'x-setgate-entry-region',
  set: 'x-setgate-set',
  node: 'x-setgate-node',
  shard: 'x-setgate-shard',
  epoch: 'x-setgate-epoch',
  lsn: 'x-setgate-lsn',
  configVersion: 'x-setgate-config-version',
  /** The shard key the gateway derived for this request. */
  key: 'x-setgate-key',
  /**
   * Regional proxy → gateway: the stack's hop secret. It proves the caller is a setgate proxy,
   * so the gateway believes its X-Forwarded-For; clients reaching a gateway directly send none.
   * (Node listeners take the secret as `authorization: Bearer`, the client's token never reaches them.)
   */
  hop: 'x-setgate-hop',
  /** Authenticated subject and tenant, asserted by the gateway to the node. */
  subject: 'x-setgate-subject',
  tenant: 'x-setgate-tenant',
  command: 'x-setgate-command',
  /** How far behind the leader the serving replica was, in ms and entries. */
  stalenessMs: 'x-setgate-staleness-ms',
  lagEntries: 'x-setgate-lag-entries',
  /**
   * Gateway → client: how a read was served when it was not served normally. `stale-fallback`:
   * the write-point was unreachable and no replica met the command's staleness bound, so a replica
   * served it past the bound (only for commands with `staleFallback`); x-setgate-staleness-ms says
   * by how much. The client's session position is honoured all the same.
   */
  readSource: 'x-setgate-read',
  /** Gateway → node: the read must reflect at least this position (`epoch:lsn`, see formatPosition). */
  minPosition: 'x-setgate-min-position',
  /** Gateway → node: refuse the read (409) if this replica is staler than this many ms. */
  maxStalenessMs: 'x-setgate-max-staleness-ms',
  /** Client-facing: the session token returned by writes and sent back on reads. */
  session: 'setgate-session',
  /** Client-facing: makes a retried write safe. */
  idempotencyKey: 'idempotency-key',
  /** Client-facing: `true` when a write was answered from its idempotency record, not applied again. */
  replayed: 'idempotent-replayed',
} as const;

// A command name as the topology schema allows (config/src/schema/commands.ts); anything else in
// x-setgate-command is not used as a name: span names and log fields must stay few and clean.
const COMMAND_NAME = /^[a-z][a-z0-9.-]{0,62}$/;

/** The command named by an `x-setgate-command` value, or undefined when it is absent or not a command name. */
export function commandNameOf(value: unknown): string | undefined {
  return typeof value === 'string' && COMMAND_NAME.test(value) ? value : undefined;
}

/** True for headers a client must never be able to set. */
export function isInternalHeader(name: string): boolean {
  return name.toLowerCase().startsWith(INTERNAL_PREFIX);
}

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) that a proxy must not forward.
 * `host` is included because each hop sets its own.
 */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);
