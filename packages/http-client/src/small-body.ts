import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

/** Bodies up to this size are read whole before the answer starts (64 KiB). */
export const SMALL_BODY_BYTES = 64 * 1024;

/** An upstream's answer: its body read whole when small, else still a stream. */
export interface UpstreamAnswer {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer | Readable;
}

/**
 * Receives an upstream's answer, reading the body whole when its declared
 * length is at most SMALL_BODY_BYTES: the client then gets headers and body in
 * one write with a known content-length, the reply skips the stream plumbing
 * (pipe, end-of-stream listeners, extra ticks) that costs more than the bytes
 * of a typical command answer, and an upstream that dies mid-body is an
 * ordinary failed attempt instead of a cut-off response. A body of unknown or larger length stays a stream, so memory per
 * request stays bounded.
 */
export async function receive(response: Dispatcher.ResponseData): Promise<UpstreamAnswer> {
  const { statusCode, headers } = response;
  const declared = headers['content-length'];
  const length = typeof declared === 'string' ? Number(declared) : Number.NaN;
  if (!(Number.isSafeInteger(length) && length >= 0 && length <= SMALL_BODY_BYTES)) {
    return { statusCode, headers, body: response.body };
  }
  const body = await readWhole(response.body, length);
  return { statusCode, headers, body };
}

function readWhole(body: Readable, length: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    body.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
    });
    body.once('error', reject);
    body.once('end', () => {
      // undici checks the framing itself; this guards the single-chunk shortcut below.
      if (received !== length) reject(new Error(`the upstream declared ${length} body bytes and sent ${received}`));
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received));
    });
  });
}

/** Drops an answer's body (a stream is drained so its connection is reused). */
export function discard(answer: UpstreamAnswer): void {
  if (!Buffer.isBuffer(answer.body)) answer.body.resume();
}

/** The body as text (a 409 the gateway has to look into). */
export async function bodyText(answer: UpstreamAnswer): Promise<string> {
  if (Buffer.isBuffer(answer.body)) return answer.body.toString('utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of answer.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
