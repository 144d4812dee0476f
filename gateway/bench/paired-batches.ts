/**
 * Two builds of one listener (or chain of listeners) priced side by side:
 * alternating batches of loopback requests over one keep-alive connection,
 * timed by the clock. Client and listeners share one thread, which the loop
 * keeps busy, so elapsed time is CPU time read at nanosecond resolution (the
 * CPU-time counters here advance in 10 ms ticks, too coarse for a batch), and
 * the client's share is the same in both builds of a pair and cancels in
 * their difference. Both builds may share this process (hop-check.ts), or
 * each run with its client in a process of its own, told when to send a batch
 * (the observability probe: builds that differ in much code would otherwise
 * share V8's compiled code and the type feedback each gives it). A batch's
 * neighbour in time is its pair, so a host whose speed drifts (another tenant,
 * frequency changes) moves both alike; the bench harness takes the median of
 * the paired differences.
 * (`fastify.inject` was tried first: it keeps every request's fake socket
 * alive, ~10 KB each, and the growing heap's collections landed in whichever
 * batch was running.)
 */
import { Pool } from 'undici';

/** What a batch sends: one bodiless request, again and again, and the status it must get. */
export interface BatchRequest {
  readonly method: 'GET';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly status?: number;
}

/** A build under test, however it runs: what a batch of `n` requests cost, µs per request by the clock. */
export interface Batcher {
  batchUs(n: number): Promise<number>;
  close(): Promise<void>;
}

/** Each batch's µs per request of two builds, in pair order (`a[i]` ran beside `b[i]`). */
export interface PairedBatches {
  readonly a: number[];
  readonly b: number[];
}

/**
 * A build listening on `url` in this process, sent `request` over one keep-alive connection, one
 * request at a time; `close` also runs `closeBuild`.
 */
export function loopbackBatcher(url: string, request: BatchRequest, closeBuild: () => Promise<void>): Batcher {
  const pool = new Pool(url, { connections: 1 });
  const { method, path, headers, status = 200 } = request;
  return {
    async batchUs(n) {
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        const res = await pool.request({ method, path, headers });
        const body = await res.body.text();
        if (res.statusCode !== status) throw new Error(`${method} ${path} answered ${res.statusCode}: ${body.slice(0, 300)}`);
      }
      return ((performance.now() - start) * 1000) / n;
    },
    async close() {
      await pool.close();
      await closeBuild();
    },
  };
}

/** Alternating batches of two builds (A B, B A, …) after a warm-up of each. */
async function alternate(a: Batcher, b: Batcher, pairs: number, perBatch: number): Promise<PairedBatches> {
  for (const build of [a, b]) await build.batchUs(perBatch * 3);
  const out: PairedBatches = { a: [], b: [] };
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      out.a.push(await a.batchUs(perBatch));
      out.b.push(await b.batchUs(perBatch));
    } else {
      out.b.push(await b.batchUs(perBatch));
      out.a.push(await a.batchUs(perBatch));
    }
  }
  return out;
}

/**
 * Builds A (`build(true)`) and B (`build(false)`) and prices them over `pairs` pairs: half on a couple
 * built A first, half on a second couple built the other way round. Which of two identical listeners was
 * built first moved an A/A comparison by up to 1.5 µs; pooling both orders cancels that.
 */
export async function pairedBatches(build: (a: boolean) => Promise<Batcher>, pairs: number, perBatch: number): Promise<PairedBatches> {
  const out: PairedBatches = { a: [], b: [] };
  for (const aFirst of [true, false]) {
    const first = await build(aFirst);
    const second = await build(!aFirst);
    try {
      const run = await alternate(aFirst ? first : second, aFirst ? second : first, Math.ceil(pairs / 2), perBatch);
      out.a.push(...run.a);
      out.b.push(...run.b);
    } finally {
      for (const s of [first, second]) await s.close();
    }
  }
  return out;
}
