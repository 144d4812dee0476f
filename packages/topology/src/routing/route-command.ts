import type { CommandView } from '../view.js';
import { compileUpstreamPath, pathParams, type UpstreamPath } from './upstream-path.js';

/** A command from the route table, with what a request needs precomputed. */
export interface RouteCommand {
  /** The command as the topology declares it. */
  readonly def: CommandView;
  /** Builds the node-side path from the shard key and the request's params. */
  readonly upstreamPath: UpstreamPath;
}

/**
 * A command whose upstream path is compiled on first use: a reload of
 * 10,000 commands would otherwise build 10,000 closures (megabytes the
 * garbage collector copies) for the few commands traffic reaches before the
 * next reload. Checked when made all the same, so a bad table never goes live.
 */
class CompiledCommand implements RouteCommand {
  #upstreamPath: UpstreamPath | undefined;

  constructor(
    readonly def: CommandView,
    upstreamPath: UpstreamPath | undefined,
  ) {
    this.#upstreamPath = upstreamPath;
  }

  get upstreamPath(): UpstreamPath {
    this.#upstreamPath ??= compileUpstreamPath(this.def.upstream.path, pathParams(this.def.path));
    return this.#upstreamPath;
  }
}

/** Compiles one topology command; throws when its upstream path cannot be built. */
export function compileCommand(def: CommandView): RouteCommand {
  try {
    // Only a `:name` can fail (a parameter the public path lacks): such a template is compiled now, the rest on first use.
    return new CompiledCommand(def, def.upstream.path.includes(':') ? compileUpstreamPath(def.upstream.path, pathParams(def.path)) : undefined);
  } catch (err) {
    throw new Error(`command ${def.name}: ${(err as Error).message}`, { cause: err });
  }
}
