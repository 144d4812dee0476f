import type { CommandView } from '../view.js';
import { compileUpstreamPath, pathParams, type UpstreamPath } from './upstream-path.js';

/** A command from the route table, with what a request needs precomputed. */
export interface RouteCommand {
  /** The command as the topology declares it. */
  readonly def: CommandView;
  /** Builds the node-side path from the shard key and the request's params. */
  readonly upstreamPath: UpstreamPath;
}

/** Compiles one topology command; throws when its upstream path cannot be built. */
export function compileCommand(def: CommandView): RouteCommand {
  try {
    return { def, upstreamPath: compileUpstreamPath(def.upstream.path, pathParams(def.path)) };
  } catch (err) {
    throw new Error(`command ${def.name}: ${(err as Error).message}`, { cause: err });
  }
}
