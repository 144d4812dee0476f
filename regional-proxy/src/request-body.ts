import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { SetgateError } from '@setgate/contracts';
import { ProxyErrors } from './errors.js';

/** True when the client announced a body: chunked, or a non-zero Content-Length. */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}

/**
 * The client's request body as undici's request body: the client stream,
 * passed through chunk by chunk, never parsed or buffered whole.
 *
 * It is an async iterable rather than the stream itself for three reasons:
 * undici destroys a stream body when an attempt fails, and destroying an
 * unfinished IncomingMessage kills the client socket before the proxy can
 * answer 503; the iterator is only opened once a gateway connection carries
 * the request, so a refused connection leaves the body unread for a retry; and
 * the byte count enforces the body limit on chunked uploads.
 */
export class ForwardBody implements AsyncIterable<Buffer> {
  private started = false;
  private clientFault = false;
  /** True while the proxy waits for the client's next chunk (not for the gateway to take the last one). */
  private awaitingClient = false;
  private ended = false;

  constructor(
    private readonly source: Readable,
    private readonly limitBytes: number,
  ) {}

  /** True once an attempt began reading: the body cannot be sent again. */
  get opened(): boolean {
    return this.started;
  }

  /**
   * True once reading the client's body failed (the client aborted or reset
   * mid-upload, or sent too much): the attempt failed by the client's fault,
   * and the gateway's health must not pay for it.
   */
  get clientFailed(): boolean {
    return this.clientFault;
  }

  /**
   * True when an attempt failed while its upload was unfinished and the proxy
   * was waiting on the client for more (not on the gateway to take what it
   * had): the client's pace stalled the exchange. A gateway that gives up on
   * such an upload (its body-read deadline, request timeout) did nothing wrong.
   */
  get stalledOnClient(): boolean {
    return this.started && !this.ended && this.awaitingClient;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    this.started = true;
    let received = 0;
    // destroyOnReturn false: a failed attempt must not tear down the client connection.
    const chunks = this.source.iterator({ destroyOnReturn: false });
    try {
      for (;;) {
        this.awaitingClient = true;
        const next = await chunks.next();
        this.awaitingClient = false;
        if (next.done === true) break;
        const bytes = next.value as Buffer;
        received += bytes.length;
        if (received > this.limitBytes) {
          throw ProxyErrors.create('SETGATE_RP_BODY_TOO_LARGE', {
            detail: `request body exceeds ${this.limitBytes} bytes`,
            headers: { connection: 'close' },
          });
        }
        yield bytes;
      }
      this.ended = true;
    } catch (err) {
      // Only the client stream and the limit above throw here: either way the client's fault, not the gateway's.
      this.clientFault = true;
      if (err instanceof SetgateError) throw err;
      throw ProxyErrors.create('SETGATE_RP_CLIENT_ABORTED', { detail: 'the client broke off its request body', cause: err });
    } finally {
      // undici stopped pulling (the attempt failed): release the stream iterator without destroying the client stream.
      if (!this.ended) await chunks.return?.();
    }
  }

  /**
   * After a failed exchange: let the rest of a partly read body drain so the
   * client connection is not left stalled behind it.
   */
  discard(): void {
    if (this.started && !this.source.readableEnded && !this.source.destroyed) this.source.resume();
  }
}
