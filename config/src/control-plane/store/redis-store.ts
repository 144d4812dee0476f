import { once } from 'node:events';
import { createRedis, type Redis } from '@setgate/redis-client';
import { type AppendResult, type ConfigStore, summarize, type VersionRecord, type VersionSummary } from './config-store.js';
import { VersionListeners } from './version-listeners.js';

/**
 * Compare-and-set in one script, so the check and the write cannot interleave
 * with another writer: KEYS = latest, v:<n>, channel; ARGV = n, record JSON.
 */
const APPEND_SCRIPT = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if cur ~= tonumber(ARGV[1]) - 1 then return {0, cur} end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PUBLISH', KEYS[3], ARGV[1])
return {1, tonumber(ARGV[1])}
`;

/**
 * Redis-backed store: `<prefix>:latest` holds the newest version,
 * `<prefix>:v:<n>` each record; appends are a Lua compare-and-set and announce
 * the new version on `<prefix>:changes`, which every handle subscribes to.
 */
export class RedisConfigStore implements ConfigStore {
  private readonly listeners = new VersionListeners();

  private constructor(
    private readonly redis: Redis,
    private readonly sub: Redis,
    private readonly prefix: string,
  ) {
    sub.on('message', (_channel: string, message: string) => this.listeners.notify(Number(message)));
    // Messages published while disconnected are lost; after a reconnect, catch up from the latest key.
    sub.on('ready', () => void this.latestVersion().then((v) => this.listeners.notify(v), () => undefined));
  }

  /** Connects both connections (commands and pub/sub) and subscribes. */
  static async open(url: string, prefix = 'setgate:config', password?: string): Promise<RedisConfigStore> {
    const opts = { connectTimeoutMs: 1000, commandTimeoutMs: 5000, ...(password === undefined ? {} : { password }) };
    const redis = createRedis(url, { ...opts, name: 'setgate-config-store' });
    const sub = createRedis(url, { ...opts, name: 'setgate-config-watch' });
    try {
      await Promise.all([once(redis, 'ready'), once(sub, 'ready')]);
      await sub.subscribe(`${prefix}:changes`);
    } catch (err) {
      redis.disconnect();
      sub.disconnect();
      throw err;
    }
    return new RedisConfigStore(redis, sub, prefix);
  }

  private key(suffix: string): string {
    return `${this.prefix}:${suffix}`;
  }

  async latestVersion(): Promise<number> {
    return Number((await this.redis.get(this.key('latest'))) ?? 0);
  }

  async get(version: number): Promise<VersionRecord | undefined> {
    if (!Number.isInteger(version) || version < 1) return undefined;
    const json = await this.redis.get(this.key(`v:${version}`));
    return json ? (JSON.parse(json) as VersionRecord) : undefined;
  }

  async history(limit: number, before?: number): Promise<VersionSummary[]> {
    const top = Math.min(await this.latestVersion(), before !== undefined ? before - 1 : Number.POSITIVE_INFINITY);
    const wanted: string[] = [];
    for (let v = top; v >= 1 && wanted.length < limit; v--) wanted.push(this.key(`v:${v}`));
    if (wanted.length === 0) return [];
    const jsons = await this.redis.mget(...wanted);
    return jsons.filter((j): j is string => j !== null).map((j) => summarize(JSON.parse(j) as VersionRecord));
  }

  async append(record: VersionRecord): Promise<AppendResult> {
    const [ok, current] = (await this.redis.eval(
      APPEND_SCRIPT,
      3,
      this.key('latest'),
      this.key(`v:${record.version}`),
      this.key('changes'),
      String(record.version),
      JSON.stringify(record),
    )) as [number, number];
    if (ok !== 1) return { ok: false, current };
    this.listeners.notify(record.version);
    return { ok: true, version: record.version };
  }

  subscribe(listener: (version: number) => void): () => void {
    return this.listeners.add(listener);
  }


  async close(): Promise<void> {
    this.listeners.clear();
    await Promise.allSettled([this.redis.quit(), this.sub.quit()]);
  }
}
