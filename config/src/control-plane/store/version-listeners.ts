/**
 * The subscribers of a config store, told each new latest version once and in
 * order: a version at or below the last one told (a replayed watch event, a
 * read after a reconnect) is dropped, so every store may notify as eagerly as
 * its backend lets it without listeners seeing a version twice.
 */
export class VersionListeners {
  private readonly listeners = new Set<(version: number) => void>();
  private lastNotified = 0;

  get size(): number {
    return this.listeners.size;
  }

  add(listener: (version: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  delete(listener: (version: number) => void): void {
    this.listeners.delete(listener);
  }

  notify(version: number): void {
    if (!Number.isFinite(version) || version <= this.lastNotified) return;
    this.lastNotified = version;
    for (const l of this.listeners) l(version);
  }

  clear(): void {
    this.listeners.clear();
  }
}
