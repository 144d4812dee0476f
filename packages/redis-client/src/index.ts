import { Redis, type RedisOptions } from 'ioredis';

export interface RedisClientOptions {
  /** Name shown in CLIENT LIST and logs. */
  readonly name?: string;
  /** Deadline to connect, in ms; a down server must fail fast, not hang requests. */
  readonly connectTimeoutMs?: number;
  /** Per-command deadline in ms. */
  readonly commandTimeoutMs?: number;
  /** Longest pause between reconnect attempts, in ms. */
  readonly maxReconnectDelayMs?: number;
  /** AUTH password, resolved from the topology's reference by the caller; URLs in the config carry no credentials. */
  readonly password?: string;
}

/**
 * The ioredis factory. Defaults are tuned so a request never waits long on a
 * dead server: one retry per command, a short connect timeout, no offline queue
 * (commands fail at once while disconnected), and reconnects with capped backoff.
 * (ioredis defaults hang a request >15 s when Redis is down.)
 */
export function createRedis(url: string, opts: RedisClientOptions = {}): Redis {
  const maxDelay = opts.maxReconnectDelayMs ?? 1000;
  const options: RedisOptions = {
    connectionName: opts.name,
    connectTimeout: opts.connectTimeoutMs ?? 200,
    commandTimeout: opts.commandTimeoutMs ?? 200,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), maxDelay),
    ...(opts.password === undefined ? {} : { password: opts.password }),
  };
  return new Redis(url, options);
}

export type { Redis };
