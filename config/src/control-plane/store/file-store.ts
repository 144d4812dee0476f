import { link, mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import { existsSync, type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { type AppendResult, type ConfigStore, summarize, type VersionRecord, type VersionSummary } from './config-store.js';
import { VersionListeners } from './version-listeners.js';

const NAME = /^(\d{10})\.json$/;
const fileName = (v: number) => `${String(v).padStart(10, '0')}.json`;

async function fsyncPath(path: string, flags = 'r'): Promise<void> {
  const fh = await open(path, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * File-backed store: one JSON file per version under `dir/versions`. A version
 * is written to a temp file and fsynced, then hard-linked to its final name:
 * link() never overwrites, so it is the compare-and-set — two writers of the
 * same version cannot both succeed, even from two processes. The directory is
 * fsynced so a version that was reported stored survives a crash.
 */
export class FileConfigStore implements ConfigStore {
  private readonly versionsDir: string;
  private readonly tmpDir: string;
  private known = 0;
  private readonly listeners = new VersionListeners();
  private watcher: FSWatcher | undefined;

  private constructor(readonly dir: string) {
    this.versionsDir = join(dir, 'versions');
    this.tmpDir = join(dir, 'tmp');
  }

  /** Opens (creating) the store under `dir`. */
  static async open(dir: string): Promise<FileConfigStore> {
    const store = new FileConfigStore(dir);
    await mkdir(store.versionsDir, { recursive: true });
    await mkdir(store.tmpDir, { recursive: true });
    for (const f of await readdir(store.versionsDir)) {
      const m = NAME.exec(f);
      if (m) store.known = Math.max(store.known, Number(m[1]));
    }
    return store;
  }

  async latestVersion(): Promise<number> {
    // Versions are dense (each append needs its predecessor), so probing upward finds other writers' versions.
    // Probe on a local copy: concurrent callers must not each bump the shared counter.
    // existsSync on purpose: every watch poll and controller round asks for a next version that is almost never
    // there, and an asynchronous stat paid a thread-pool trip and an ENOENT error with its stack each time (9% of
    // an idle control plane's CPU); a stat of a directory entry the kernel has cached costs microseconds.
    let v = this.known;
    while (existsSync(join(this.versionsDir, fileName(v + 1)))) v += 1;
    this.known = Math.max(this.known, v);
    return this.known;
  }

  async get(version: number): Promise<VersionRecord | undefined> {
    if (!Number.isInteger(version) || version < 1) return undefined;
    try {
      return JSON.parse(await readFile(join(this.versionsDir, fileName(version)), 'utf8')) as VersionRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async history(limit: number, before?: number): Promise<VersionSummary[]> {
    const top = Math.min(await this.latestVersion(), before !== undefined ? before - 1 : Number.POSITIVE_INFINITY);
    const out: VersionSummary[] = [];
    for (let v = top; v >= 1 && out.length < limit; v--) {
      const r = await this.get(v);
      if (r) out.push(summarize(r));
    }
    return out;
  }

  async append(record: VersionRecord): Promise<AppendResult> {
    const base = record.version - 1;
    if (base > 0 && !existsSync(join(this.versionsDir, fileName(base)))) {
      return { ok: false, current: await this.latestVersion() };
    }
    // Unique across handles and processes sharing the directory.
    const tmp = join(this.tmpDir, `${process.pid}-${randomUUID()}.json`);
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(JSON.stringify(record));
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await link(tmp, join(this.versionsDir, fileName(record.version)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return { ok: false, current: await this.latestVersion() };
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    await fsyncPath(this.versionsDir);
    this.known = Math.max(this.known, record.version);
    this.listeners.notify(record.version);
    return { ok: true, version: record.version };
  }

  subscribe(listener: (version: number) => void): () => void {
    this.listeners.add(listener);
    // inotify tells us about versions written by another process sharing the directory.
    this.watcher ??= watch(this.versionsDir, () => {
      const before = this.known;
      void this.latestVersion().then((v) => {
        if (v > before) this.listeners.notify(v);
      });
    });
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.watcher?.close();
        this.watcher = undefined;
      }
    };
  }


  async close(): Promise<void> {
    this.watcher?.close();
    this.watcher = undefined;
    this.listeners.clear();
  }
}
