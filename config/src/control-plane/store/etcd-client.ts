import { Etcd3 } from 'etcd3';

/** Options of the one etcd client factory. */
export interface EtcdClientOptions {
  /** Client URLs of the etcd members (http://host:port); calls move to another member when one fails. */
  readonly endpoints: readonly string[];
  /** Deadline of each unary call (default 5000 ms): a dead member must not hold a request for the client's 30 s default. */
  readonly callTimeoutMs?: number;
  /** How long to wait for a connection (default 2000 ms). */
  readonly dialTimeoutMs?: number;
}

/**
 * The control plane's one etcd client factory. Unary calls get a deadline;
 * watch and keepalive streams do not (they live as long as the client).
 * The etcd3 client's default fault handling stays: three retries on another
 * member, and a per-member circuit breaker.
 */
export function createEtcdClient(opts: EtcdClientOptions): Etcd3 {
  const callTimeoutMs = opts.callTimeoutMs ?? 5000;
  return new Etcd3({
    hosts: [...opts.endpoints],
    dialTimeout: opts.dialTimeoutMs ?? 2000,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
  });
}
