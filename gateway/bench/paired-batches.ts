/**
 * Two builds of one listener (or chain of listeners) priced side by side:
 * alternating batches of loopback requests over one keep-alive connection,
 * each batch's CPU time read by its process (`process.cpuUsage`: every thread,
 * the collector's helpers included, to the µs on this kernel; the per-process
 * counters in /proc advance in 10 ms ticks, too coarse for a batch). Client and
 * listeners share the process, so the client's share is the same in both
 * builds of a pair and cancels in their difference. The clock is read too; it
 * also holds waits on other processes (a Redis round trip) and time the host
 * gave to others. Both builds may share this process (hop-check.ts), or each
 * run with its client in a process of its own, told when to send a batch (the
 * observability probe: builds that differ in much code would otherwise share
 * V8's compiled code and the type feedback each gives it). A batch's neighbour
 * in time is its pair, so a host whose speed drifts (another tenant, frequency
 * changes) moves both alike; the bench harness takes the median of the paired
 * differences.
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

/** What a batch cost, per request: its process's CPU time, and the time by the clock. */
export interface BatchCost {
  readonly cpuUs: number;
  readonly elapsedUs: number;
}

/** A build under test, however it runs: what a batch of `n` requests cost. */
export interface Batcher {
  batch(n: number): Promise<BatchCost>;
  close(): Promise<void>;
}

/** Each batch's cost of two builds, in pair order (`a[i]` ran beside `b[i]`). */
export interface PairedBatches {
  readonly a: BatchCost[];
  readonly b: BatchCost[];
}

/**
 * A build listening on `url` in this process, sent `request` over one keep-alive connection, one
 * request at a time; `close` also runs `closeBuild`.
 */
export function loopbackBatcher(url: string, request: BatchRequest, closeBuild: () => Promise<void>): Batcher {
  const pool = new Pool(url, { connections: 1 });
  const { method, path, headers, status = 200 } = request;
  return {
    async batch(n) {
      const start = performance.now();
      const cpu = process.cpuUsage();
      for (let i = 0; i < n; i++) {
        const res = await pool.request({ method, path, headers });
        const body = await res.body.text();
        if (res.statusCode !== status) throw new Error(`${method} ${path} answered ${res.statusCode}: ${body.slice(0, 300)}`);
      }
      const used = process.cpuUsage(cpu);
      return { cpuUs: (used.user + used.system) / n, elapsedUs: ((performance.now() - start) * 1000) / n };
    },
    async close() {
      await pool.close();
      await closeBuild();
    },
  };
}

/** How a comparison is run: how many requests a batch sends, how many couples of builds, how long each warms up. */
export interface PairedBatchPlan {
  readonly perBatch: number;
  /** Couples of builds the pairs are spread over, half built A first, half B first (2 at least, even). */
  readonly couples?: number;
  /** Requests each build serves before its first measured batch (default 3 batches). */
  readonly warmUpRequests?: number;
}

/**
 * Alternating batches of two builds (A B, B A, …) after a warm-up of each, itself in alternating batches:
 * a build left idle while the other warmed up alone read ~20 µs a request dearer for the whole run after
 * (A/A over six couples of gateway chains, every couple the same way).
 */
async function alternate(a: Batcher, b: Batcher, pairs: number, perBatch: number, warmUpRequests: number): Promise<PairedBatches> {
  for (let left = warmUpRequests; left > 0; left -= perBatch) {
    for (const build of [a, b]) await build.batch(Math.min(perBatch, left));
  }
  const out: PairedBatches = { a: [], b: [] };
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      out.a.push(await a.batch(perBatch));
      out.b.push(await b.batch(perBatch));
    } else {
      out.b.push(await b.batch(perBatch));
      out.a.push(await a.batch(perBatch));
    }
  }
  return out;
}

/**
 * Builds A (`build(true)`) and B (`build(false)`) and prices them over `pairs` pairs, spread evenly over
 * `plan.couples` couples of builds, half built A first, half the other way round; one answer per couple,
 * in the order they ran. Which of two identical listeners was built first moved an A/A comparison by up
 * to 1.5 µs; pooling both orders cancels that. Builds in processes of their own differ more, each by its
 * own luck (where its heap and code landed): more couples spread that luck over both sides, and the
 * couples' answers say how far it reaches.
 */
export async function pairedBatches(build: (a: boolean) => Promise<Batcher>, pairs: number, plan: PairedBatchPlan): Promise<PairedBatches[]> {
  const { perBatch, couples = 2, warmUpRequests = perBatch * 3 } = plan;
  if (couples < 2 || couples % 2 !== 0) throw new Error(`paired batches need an even number of couples, 2 or more (got ${couples})`);
  const out: PairedBatches[] = [];
  for (let c = 0; c < couples; c++) {
    const aFirst = c % 2 === 0;
    const first = await build(aFirst);
    const second = await build(!aFirst);
    try {
      const share = Math.ceil((pairs * (c + 1)) / couples) - Math.ceil((pairs * c) / couples);
      out.push(await alternate(aFirst ? first : second, aFirst ? second : first, share, perBatch, warmUpRequests));
    } finally {
      for (const s of [first, second]) await s.close();
    }
  }
  return out;
}
