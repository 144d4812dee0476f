import type { LoadedTopology } from '@setgate/config';
import { TopologyView } from '../view.js';
import { CommandRouter, type RouteParams } from './command-router.js';
import { compileCommand, type RouteCommand } from './route-command.js';

/** A command matched against a request path, with the path's params. */
export interface RouteMatch {
  readonly command: RouteCommand;
  readonly params: RouteParams;
}

/**
 * Everything the pipeline routes by, for one topology version: the command
 * router and the topology view. Built whole and never mutated, so a request
 * that started on one version finishes on it even if a newer one is swapped in.
 */
export class RoutingTable {
  /** Config version this table was built from. */
  readonly version: number;
  private readonly methods: readonly string[];

  constructor(
    readonly view: TopologyView,
    private readonly router: CommandRouter,
    /** This version's commands, in document order; the router's matches are indexes into it. */
    private readonly commands: readonly RouteCommand[],
  ) {
    this.version = view.version;
    this.methods = router.methods;
  }

  /** The compiled router, for telling whether two tables share it. */
  get routerIdentity(): object {
    return this.router;
  }

  /** The command for `method` + `url` (query string allowed), or null. */
  match(method: string, url: string): RouteMatch | null {
    return this.router.match(method, url, this.commands);
  }

  /** Methods that do match `url`; non-empty means the path is known but the method is not (405). */
  allowedMethods(url: string): string[] {
    return this.methods.filter((m) => this.router.matches(m, url));
  }
}

/**
 * This version's command, with the upstream path of its equal in the
 * version the router was compiled for: compiled once for both, on first use.
 */
class ReboundCommand implements RouteCommand {
  constructor(
    readonly def: RouteCommand['def'],
    private readonly compiled: RouteCommand,
  ) {}

  get upstreamPath(): RouteCommand['upstreamPath'] {
    return this.compiled.upstreamPath;
  }
}

/** A compiled command router, for one commands section. */
interface CompiledCommands {
  readonly commands: LoadedTopology['commands'];
  /** Compiled in document order; the router matches indexes, never these objects. */
  readonly compiled: readonly RouteCommand[];
  readonly router: CommandRouter;
}

/**
 * The last compiled commands section. Most new versions (a leader move, a
 * drain, a port change) leave the commands as they were, so a version whose
 * commands are deeply equal to the last compiled ones reuses that router and
 * those compiled upstream paths. The router is never changed after it is
 * built, so two tables may share it.
 */
let lastCompiled: CompiledCommands | undefined;

function compileCommands(commands: LoadedTopology['commands']): CompiledCommands {
  // An index per route, not the command: a table that reuses this router maps it to its own version's command.
  const router = new CommandRouter(commands);
  return { commands, compiled: commands.map(compileCommand), router };
}

/**
 * Deep equality of two JSON values (what a loaded topology is made of):
 * the same own keys with equal values (key order aside), arrays in the same
 * order. Equal primitives are told apart without a recursive call: a
 * placement-only reload compares every command.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const x: unknown = a[i];
      const y: unknown = b[i];
      if (x !== y && !sameJson(x, y)) return false;
    }
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let n = 0;
  for (const k in ra) {
    const x = ra[k];
    const y = rb[k];
    // Equal values are equal but for an undefined one whose key `b` lacks.
    if (x !== y ? !sameJson(x, y) : y === undefined && !Object.hasOwn(rb, k)) return false;
    n++;
  }
  return n === Object.keys(rb).length;
}

/** The compiled router for `commands`: the last one when they are unchanged (and frozen, so they stay so). */
function commandsRouter(commands: LoadedTopology['commands'], reuse: boolean): CompiledCommands {
  const frozen = Object.isFrozen(commands);
  if (reuse && frozen && lastCompiled && sameJson(lastCompiled.commands, commands)) return lastCompiled;
  const compiled = compileCommands(commands);
  if (frozen) lastCompiled = compiled;
  return compiled;
}

export interface BuildOptions {
  /**
   * Reuse the last compiled router when the commands section is deeply equal
   * to the one it was compiled from (default true). Matching is identical
   * either way; false forces a fresh compile (benchmarks, tests).
   */
  readonly reuseRouter?: boolean;
}

/**
 * Builds the routing table of one topology version. Throws on a command the
 * router refuses (duplicate route, path syntax, bad upstream path); the caller keeps the old table.
 */
export function buildRoutingTable(topology: LoadedTopology, options: BuildOptions = {}): RoutingTable {
  const built = commandsRouter(topology.commands, options.reuseRouter ?? true);
  // A reused router was compiled from an equal, older commands section: its matches must still
  // name this version's command objects (callers key maps by them), so rebind each one.
  const commands =
    built.commands === topology.commands ? built.compiled : topology.commands.map((def, i) => new ReboundCommand(def, built.compiled[i] as RouteCommand));
  return new RoutingTable(new TopologyView(topology), built.router, commands);
}

/** True when `a` and `b` route by the same compiled router (a reload that left the commands alone). */
export function sharesRouter(a: RoutingTable, b: RoutingTable): boolean {
  return a.routerIdentity === b.routerIdentity;
}
