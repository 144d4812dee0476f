import { createHmac, timingSafeEqual } from 'node:crypto';
import { comparePositions, type LogPosition } from '@setgate/contracts';

/** Per shard, the log position a client has written up to. */
export type SessionPositions = ReadonlyMap<number, LogPosition>;

const VERSION = 'v1';
/** Most shards a token remembers; past it the oldest write is forgotten (its read-your-writes lapses). */
export const MAX_SESSION_SHARDS = 32;
/** Longest header accepted: 32 entries of `shard:epoch:lsn` in base64url plus the signature fit easily. */
const MAX_TOKEN_CHARS = 2048;
const ENTRY = /^(\d{1,5}):(\d{1,15}):(\d{1,15})$/;

/**
 * Session tokens: `v1.<payload>.<mac>`, payload the base64url of
 * `shard:epoch:lsn` entries joined by `;` (oldest write first), mac the
 * base64url HMAC-SHA256 of `v1.<payload>` under `gateway.sessionTokenSecret`.
 * Every gateway shares the secret, so a token written through one region is
 * honoured by all. The client cannot raise or lower a position without the key.
 */
export class SessionTokens {
  private readonly secret: Buffer;
  /** The key being rotated out (`gateway.previousSessionTokenSecret`): its tokens are still honoured, none is signed with it. */
  private readonly previous: Buffer | undefined;

  constructor(secret: string, previous?: string) {
    for (const s of [secret, previous]) {
      if (s !== undefined && s.length < 32) throw new RangeError('a session token secret needs at least 32 characters');
    }
    this.secret = Buffer.from(secret, 'utf8');
    this.previous = previous === undefined ? undefined : Buffer.from(previous, 'utf8');
  }

  /** The positions of a token; undefined when it is malformed or its signature does not match. */
  parse(token: string): SessionPositions | undefined {
    if (token.length > MAX_TOKEN_CHARS) return undefined;
    const [version, payload, mac, extra] = token.split('.');
    if (version !== VERSION || payload === undefined || mac === undefined || extra !== undefined) return undefined;
    const given = Buffer.from(mac, 'base64url');
    const signedBy = (key: Buffer) => {
      const expected = this.mac(payload, key);
      return given.length === expected.length && timingSafeEqual(given, expected);
    };
    if (!signedBy(this.secret) && (this.previous === undefined || !signedBy(this.previous))) return undefined;
    const positions = new Map<number, LogPosition>();
    const text = Buffer.from(payload, 'base64url').toString('utf8');
    if (text.length === 0) return positions;
    for (const entry of text.split(';')) {
      const m = ENTRY.exec(entry);
      if (!m) return undefined;
      positions.set(Number(m[1]), { epoch: Number(m[2]), lsn: Number(m[3]) });
    }
    return positions;
  }

  /** A token holding `positions` (insertion order = age), keeping only the newest MAX_SESSION_SHARDS. */
  issue(positions: SessionPositions): string {
    const entries = [...positions].slice(-MAX_SESSION_SHARDS);
    const payload = Buffer.from(entries.map(([s, p]) => `${s}:${p.epoch}:${p.lsn}`).join(';'), 'utf8').toString('base64url');
    return `${VERSION}.${payload}.${this.mac(payload, this.secret).toString('base64url')}`;
  }

  private mac(payload: string, key: Buffer): Buffer {
    return createHmac('sha256', key).update(`${VERSION}.${payload}`).digest();
  }
}

/**
 * `positions` with a write to `shard` at `at` merged in, and the shard moved
 * to the newest end so the bound drops the shard written longest ago.
 *
 * `atHead`: the write was just appended at the write-point (not an idempotent
 * replay of an older one), so `at` is the shard's head: no write of this
 * client can lie beyond it (a later epoch orders after an earlier one
 * whatever the LSNs), and a position the token claims past it (forged with a
 * leaked key) is clamped to it instead of being signed again on every later write. Otherwise (a replay answers the
 * first attempt's older position) the later of the two is kept.
 */
export function mergePosition(
  positions: SessionPositions | undefined,
  shard: number,
  at: LogPosition,
  atHead = false,
): Map<number, LogPosition> {
  const merged = new Map(positions);
  const known = merged.get(shard);
  merged.delete(shard);
  merged.set(shard, !atHead && known !== undefined && comparePositions(known, at) > 0 ? known : at);
  return merged;
}
