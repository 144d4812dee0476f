import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Direction } from './direction.js';
import { HANDSHAKE_OK, HANDSHAKE_REFUSED } from './handshake.js';
import { DelayPipe, type PipeCounters } from './pipe.js';
import type { WanTarget } from './plan.js';

/** What a link decides for a connect across it right now. */
export type ConnectVerdict = 'pass' | 'hold' | 'refuse';

/** What a relayed connection needs from its relay. */
export interface ConnectionContext {
  readonly target: WanTarget;
  readonly localAddress?: string;
  /** Bytes from the client's region to the target's. */
  readonly forward: Direction;
  /** Bytes back. */
  readonly backward: Direction;
  readonly counters: PipeCounters;
  verdict(): ConnectVerdict;
  onClosed(conn: RelayedConnection): void;
}

/**
 * One client connection carried across regions: the emulated handshake (one
 * RTT, refused or held by a partition), then two {@link DelayPipe}s.
 */
export class RelayedConnection {
  private upstream: Socket | undefined;
  private pipes: DelayPipe[] = [];
  private handshakeTimer: NodeJS.Timeout | undefined;
  private finished = false;
  /** True while its connect is held by a partition. */
  waiting = false;

  constructor(
    readonly client: Socket,
    private readonly ctx: ConnectionContext,
  ) {
    client.setNoDelay(true);
    client.on('error', () => {});
    // Read from the start: a client that gives up during the handshake sends its FIN now, and an
    // unread socket would never see it (CLOSE-WAIT forever, its upstream connection kept open).
    client.on('data', this.early);
    client.once('end', this.earlyEnd);
    client.on('close', () => {
      // Not yet through the handshake: nothing to deliver, drop the upstream attempt.
      if (!this.established) this.upstream?.destroy();
      this.finish();
    });
    this.attempt();
  }

  /** Established: bytes flow (or are held) through the pipes. */
  get established(): boolean {
    return this.pipes.length > 0;
  }

  /** Re-evaluates a held connect, and releases held bytes, after a heal. */
  healed(): void {
    if (this.waiting) this.attempt();
    for (const p of this.pipes) p.release();
  }

  /** Resets both sides now (a `reset` partition). */
  reset(): void {
    this.upstream?.resetAndDestroy();
    if (!this.client.destroyed) this.client.resetAndDestroy();
    this.finish();
  }

  /** Bytes waiting in its pipes. */
  pending(): number {
    return this.pipes.reduce((n, p) => n + p.pending, 0);
  }

  private readonly earlyChunks: Buffer[] = [];
  private readonly early = (chunk: Buffer): void => {
    this.earlyChunks.push(chunk);
  };
  private readonly earlyEnd = (): void => {
    this.upstream?.destroy();
    this.client.destroy();
    this.finish();
  };

  private attempt(): void {
    const verdict = this.ctx.verdict();
    this.waiting = verdict === 'hold';
    if (verdict === 'hold') return;
    const started = performance.now();
    // SYN out and SYN-ACK back: the client may send once one RTT has passed.
    const rtt = this.ctx.forward.delayMs() + this.ctx.backward.delayMs();
    const answer = (byte: number) => {
      const wait = Math.max(0, started + rtt - performance.now());
      // One answer per attempt: a target that accepted and then reset or closed during the emulated
      // RTT (a node killed right then) turns the pending "connected" into a refusal.
      if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
      this.handshakeTimer = setTimeout(() => {
        this.handshakeTimer = undefined;
        if (this.finished) return;
        if (byte === HANDSHAKE_OK && this.upstream === undefined) return;
        // A partition that came during the handshake wins.
        const now = this.ctx.verdict();
        if (byte === HANDSHAKE_OK && now !== 'pass') {
          this.upstream?.destroy();
          this.upstream = undefined;
          this.waiting = now === 'hold';
          if (now === 'refuse') this.refuse();
          return;
        }
        if (byte === HANDSHAKE_OK) this.open();
        else this.refuse();
      }, Math.ceil(wait));
    };
    if (verdict === 'refuse') {
      answer(HANDSHAKE_REFUSED);
      return;
    }
    const upstream = connect({
      host: this.ctx.target.host,
      port: this.ctx.target.port,
      noDelay: true,
      allowHalfOpen: true,
      ...(this.ctx.localAddress ? { localAddress: this.ctx.localAddress } : {}),
    });
    this.upstream = upstream;
    upstream.once('connect', () => answer(HANDSHAKE_OK));
    const lost = () => {
      if (!this.established && this.upstream === upstream) {
        this.upstream = undefined;
        upstream.destroy();
        answer(HANDSHAKE_REFUSED);
      }
    };
    upstream.on('error', lost);
    // Closed by the target before the handshake completed (without an error): nothing to relay to.
    upstream.once('end', lost);
    upstream.once('close', lost);
  }

  private open(): void {
    const upstream = this.upstream as Socket;
    this.client.off('data', this.early);
    this.client.off('end', this.earlyEnd);
    this.client.write(Buffer.of(HANDSHAKE_OK));
    const forward = new DelayPipe(this.client, upstream, this.ctx.forward, this.ctx.counters);
    this.pipes = [forward, new DelayPipe(upstream, this.client, this.ctx.backward, this.ctx.counters)];
    // A client should wait for the handshake; whatever it sent anyway still goes first.
    for (const chunk of this.earlyChunks.splice(0)) forward.inject(chunk);
    upstream.on('close', () => this.finish());
  }

  private refuse(): void {
    if (!this.client.destroyed) this.client.end(Buffer.of(HANDSHAKE_REFUSED));
  }

  /** Done once both sockets are closed: delayed bytes, FINs and resets still cross first. */
  private finish(): void {
    if (this.finished) return;
    if (this.established && !(this.client.destroyed && this.upstream?.destroyed)) return;
    if (!this.established && !this.client.destroyed) return;
    this.finished = true;
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    for (const p of this.pipes) p.close();
    this.ctx.onClosed(this);
  }
}
