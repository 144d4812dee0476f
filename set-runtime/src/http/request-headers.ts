import { Header, versionFromEtag } from '@setgate/contracts';
import type { IncomingHttpHeaders } from 'node:http';
import { NodeErrors } from '../errors.js';
import type { Precondition } from '../store/types.js';

const EPOCH = /^\d{1,15}$/;
/** Visible ASCII only: the key is logged and stored as given. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function badHeader(name: string, detail: string): Error {
  return NodeErrors.create('SETGATE_NODE_BAD_HEADER', { detail: `${name}: ${detail}`, extensions: { header: name } });
}

/** The caller's `x-setgate-epoch`, if it sent one. */
export function parseEpochHeader(headers: IncomingHttpHeaders): number | undefined {
  const raw = single(headers, Header.epoch);
  if (raw === undefined) return undefined;
  if (!EPOCH.test(raw)) throw badHeader(Header.epoch, 'expected a non-negative integer');
  return Number(raw);
}

/**
 * If-Match / If-None-Match as a store precondition. Supported: `If-Match: "<version>"`
 * (compare-and-set), `If-Match: *` (must exist), `If-None-Match: *` (create only).
 */
export function parsePrecondition(headers: IncomingHttpHeaders): Precondition | undefined {
  const ifMatch = single(headers, 'if-match');
  const ifNoneMatch = single(headers, 'if-none-match');
  if (ifMatch !== undefined && ifNoneMatch !== undefined) {
    throw badHeader('if-match', 'send either If-Match or If-None-Match, not both');
  }
  if (ifMatch !== undefined) {
    if (ifMatch.trim() === '*') return { kind: 'present' };
    const version = versionFromEtag(ifMatch);
    if (version === undefined) throw badHeader('if-match', 'expected one ETag such as "12", or *');
    return { kind: 'version', version };
  }
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') throw badHeader('if-none-match', 'only * (create only) is supported on writes');
    return { kind: 'absent' };
  }
  return undefined;
}

/** The `idempotency-key` of a write, if the caller sent one. */
export function parseIdempotencyKey(headers: IncomingHttpHeaders): string | undefined {
  const raw = single(headers, Header.idempotencyKey);
  if (raw === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(raw)) throw badHeader(Header.idempotencyKey, 'expected 1..128 visible ASCII characters');
  return raw;
}
