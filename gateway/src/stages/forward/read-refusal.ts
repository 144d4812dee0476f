import type { ReadRefusedProblem } from '@setgate/contracts';
import { bodyText, type UpstreamAnswer } from '@setgate/http-client';

const REFUSAL_CODES = new Set<string>(['SETGATE_NODE_BEHIND_POSITION', 'SETGATE_NODE_TOO_STALE']);

/** A node's 409, read whole: either a read refusal (try the next candidate) or an answer for the client. */
export type ConflictAnswer = { readonly refusal: ReadRefusedProblem } | { readonly text: string };

/**
 * Reads a 409 body and tells a replica's read refusal (the freshness contract
 * in node-api.ts) from any other conflict, which is the client's to see.
 */
export async function readConflict(answer: UpstreamAnswer): Promise<ConflictAnswer> {
  const text = await bodyText(answer);
  try {
    const problem = JSON.parse(text) as Partial<ReadRefusedProblem>;
    if (typeof problem.code === 'string' && REFUSAL_CODES.has(problem.code)) return { refusal: problem as ReadRefusedProblem };
  } catch {
    // Not JSON: not a refusal.
  }
  return { text };
}
