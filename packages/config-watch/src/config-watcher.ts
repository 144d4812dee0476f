import { type ConfigProblem, type LoadedTopology, validateTopology } from '@setgate/config';
import { createDispatcher, type Dispatcher } from '@setgate/http-client';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { type Backoff, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';

/** Header of a watch answer saying whether it renews the watching node's write-point lease. */
export const LEASE_HEADER = 'x-setgate-lease';

/**
 * After an answer that withheld the lease, the next poll comes this much later
 * and asks for an answer at once: the lease is renewed as soon as the control
 * plane can grant again (an etcd election ends), instead of a long-poll later,
 * without spinning while it cannot.
 */
const WITHHELD_RETRY_MS = 100;

/** What a watch answer said about the watching node's lease (the LEASE_HEADER value). */
export type LeaseVerdict = 'granted' | 'revoked' | 'withheld';

/** A header value this version does not know renews nothing: it is read as `withheld`. */
function leaseVerdict(header: string | string[] | undefined): LeaseVerdict | undefined {
  if (header === undefined) return undefined;
  return header === 'granted' || header === 'revoked' ? header : 'withheld';
}

/**
 * When the answered poll was SENT, on this process's monotonic clock
 * (performance.now()), and what the control plane said about the watching
 * node's lease. A lease renewed by this answer counts from sentAt, never from
 * when the answer arrived: an answer that sat in the socket while the process
 * was frozen must not stretch the lease over the freeze.
 */
export interface AnswerTiming {
  readonly sentAt: number;
  /**
   * 'granted': renewed from sentAt. 'revoked': the node is being failed over (stop admitting now).
   * 'withheld': not renewed (the control plane could not tell); the node keeps what it holds.
   * Absent: the answer said nothing about a lease.
   */
  readonly lease?: LeaseVerdict;
}

/** What a component learns from its watch, for logs and metrics. */
export type WatchEvent =
  /** `applyMs`: validating, building and swapping the version in, off the request path. */
  | ({ readonly kind: 'applied'; readonly version: number; readonly applyMs: number } & AnswerTiming)
  /** The control plane answered and the component's version is still current (a long-poll ended empty). */
  | ({ readonly kind: 'current'; readonly version: number } & AnswerTiming)
  | { readonly kind: 'refused'; readonly version: number; readonly problems: readonly ConfigProblem[] }
  | { readonly kind: 'disconnected'; readonly error: string; readonly retryInMs: number; readonly url?: string };

export interface ConfigWatcherOptions<T> {
  /** Control plane API base URL, e.g. http://127.0.0.1:7000. */
  readonly url: string;
  /**
   * Further control-plane replicas (etcd store), tried in turn after `url`:
   * when one fails the watch moves to the next at once, and backs off only
   * once every URL has failed in a row. So one dead replica does not stop
   * the answers that renew a write-point's lease.
   */
  readonly urls?: readonly string[];
  /** A bearer token of any role (viewer is enough). */
  readonly token: string;
  /** Version the component runs now; only newer versions are delivered. */
  readonly version: number;
  /**
   * Builds what the component routes by (e.g. buildRoutingTable). A throw
   * refuses the version: the component keeps the last good one.
   */
  readonly build: (topology: LoadedTopology) => T;
  /** Makes the built value live (e.g. RoutingTableRef.swap). Called once per accepted version, in order. */
  readonly onUpdate: (built: T, topology: LoadedTopology) => void;
  readonly onEvent?: (event: WatchEvent) => void;
  /** How long the control plane may hold one long-poll. */
  readonly pollTimeoutMs?: number;
  /**
   * The watching node's id, sent on every poll: the control plane then
   * remembers when it last answered this node (what its lease may count on)
   * and says in each answer whether the lease is granted.
   */
  readonly node?: string;
  /** Ask the first poll to answer at once (a node earns its first lease without waiting a whole long-poll). */
  readonly immediateFirstPoll?: boolean;
  readonly backoff?: Backoff;
  readonly dispatcher?: Dispatcher;
}

/**
 * Follows the control plane from the component's version by long-poll
 * (`GET /v1/config/watch?after=N`). Each new version is validated and built
 * beside the live one, then handed over whole; a bad one is refused with its
 * problems and the last good one stays. While the control plane is away it
 * retries with capped, jittered backoff and the component keeps serving.
 */
export class ConfigWatcher<T> {
  private current: number;
  private stopped = false;
  private readonly abort = new AbortController();
  private readonly dispatcher: Dispatcher;
  private readonly ownDispatcher: boolean;
  private loop: Promise<void> | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private readonly urls: readonly string[];
  private urlIndex = 0;
  /** Set after moving to another replica or a withheld lease: the next poll answers at once, so a lease it renews waits no long-poll. */
  private answerAtOnce = false;
  private polls = 0;

  constructor(private readonly opts: ConfigWatcherOptions<T>) {
    this.current = opts.version;
    this.urls = [...new Set([opts.url, ...(opts.urls ?? [])])];
    this.ownDispatcher = !opts.dispatcher;
    this.dispatcher = opts.dispatcher ?? createDispatcher({ connections: 1, headersTimeoutMs: (opts.pollTimeoutMs ?? 25000) + 10000 });
  }

  /** Version of the last document handed to onUpdate (or the starting one). */
  get version(): number {
    return this.current;
  }

  start(): this {
    this.loop ??= this.run();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    clearTimeout(this.sleepTimer);
    this.wake?.();
    await this.loop?.catch(() => undefined);
    if (this.ownDispatcher) await this.dispatcher.close();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const answer = await this.poll();
        failures = 0;
        if (answer.document !== undefined) this.accept(answer.document, answer.timing);
        else this.opts.onEvent?.({ kind: 'current', version: this.current, ...answer.timing });
        if (answer.timing.lease === 'withheld' && !this.stopped) {
          this.answerAtOnce = true;
          await this.sleep(WITHHELD_RETRY_MS);
        }
      } catch (err) {
        if (this.stopped) return;
        const url = this.urls[this.urlIndex] as string;
        this.urlIndex = (this.urlIndex + 1) % this.urls.length;
        // The next replica is tried at once; the backoff grows per full round of failed replicas.
        const n = this.urls.length;
        const retryInMs = failures % n === n - 1 ? backoffDelay(Math.floor(failures / n), this.opts.backoff ?? DEFAULT_BACKOFF) : 0;
        failures++;
        this.answerAtOnce = n > 1;
        this.opts.onEvent?.({ kind: 'disconnected', error: (err as Error).message, retryInMs, ...(n > 1 ? { url } : {}) });
        await this.sleep(retryInMs);
      }
    }
  }

  /** One long-poll: the new document, or undefined when nothing changed in time; with when it was sent. */
  private async poll(): Promise<{ document: unknown; timing: AnswerTiming }> {
    const timeoutMs = (this.polls++ === 0 && this.opts.immediateFirstPoll) || this.answerAtOnce ? 0 : (this.opts.pollTimeoutMs ?? 25000);
    this.answerAtOnce = false;
    const node = this.opts.node ? `&node=${encodeURIComponent(this.opts.node)}` : '';
    const sentAt = performance.now();
    const res = await request(`${this.urls[this.urlIndex]}/v1/config/watch?after=${this.current}&timeoutMs=${timeoutMs}${node}`, {
      dispatcher: this.dispatcher,
      signal: this.abort.signal,
      headers: { authorization: `Bearer ${this.opts.token}` },
      headersTimeout: timeoutMs + 10000,
    });
    const lease = leaseVerdict(res.headers[LEASE_HEADER]);
    const timing: AnswerTiming = { sentAt, ...(lease ? { lease } : {}) };
    if (res.statusCode === 204) {
      await res.body.dump();
      return { document: undefined, timing };
    }
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`watch answered ${res.statusCode}: ${text.slice(0, 200)}`);
    return { document: (JSON.parse(text) as { document: unknown }).document, timing };
  }

  private accept(document: unknown, timing: AnswerTiming): void {
    const startedAt = performance.now();
    const version = (document as { version?: unknown }).version;
    const result = validateTopology(document);
    if (!result.ok) {
      this.refuse(typeof version === 'number' ? version : -1, result.problems);
      return;
    }
    let built: T;
    try {
      built = this.opts.build(result.topology);
    } catch (err) {
      this.refuse(result.topology.version, [{ path: '', message: `cannot build: ${(err as Error).message}` }]);
      return;
    }
    this.opts.onUpdate(built, result.topology);
    this.current = result.topology.version;
    this.opts.onEvent?.({ kind: 'applied', version: this.current, applyMs: performance.now() - startedAt, ...timing });
  }

  private refuse(version: number, problems: readonly ConfigProblem[]): void {
    // Skip past it so the watch does not spin on the same bad version; the next good one is delivered.
    if (version > this.current) this.current = version;
    this.opts.onEvent?.({ kind: 'refused', version, problems });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
    });
  }
}

/** What logWatchEvents needs of a logger (pino's, or fastify's). */
export interface WatchLogger {
  warn(obj: object, msg: string): void;
}

/**
 * The log lines every component writes about its watch: the control plane
 * unreachable (it keeps serving on its current version) and versions refused
 * with their problems. Applied versions are logged by the component, which
 * knows what it swapped.
 */
export function logWatchEvents(logger: WatchLogger): (event: WatchEvent) => void {
  return (event) => {
    if (event.kind === 'disconnected') logger.warn(event, 'control plane unreachable; keeping the current version');
    else if (event.kind === 'refused') logger.warn(event, 'control plane version refused; keeping the current one');
  };
}
