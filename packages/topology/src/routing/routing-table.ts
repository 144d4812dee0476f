import type { LoadedTopology } from '@setgate/config';
import { TopologyView } from '../view.js';
import FindMyWay from 'find-my-way';
import { compileCommand, type RouteCommand } from './route-command.js';

type Method = FindMyWay.HTTPMethod;
type Router = FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;

/** A command matched against a request path, with the path's params. */
export interface RouteMatch {
  readonly command: RouteCommand;
  readonly params: Readonly<Record<string, string | undefined>>;
}

// find-my-way wants a handler per route; the gateway only reads the store.
/** What the router stores per route: where the command sits in a version's list (find-my-way drops a falsy store). */
interface CommandSlot {
  readonly index: number;
}

const unused = () => undefined;

/**
 * Everything the pipeline routes by, for one topology version: the command
 * router and the topology view. Built whole and never mutated, so a request
 * that started on one version finishes on it even if a newer one is swapped in.
 */
export class RoutingTable {
  /** Config version this table was built from. */
  readonly version: number;
  private readonly methods: readonly Method[];

  constructor(
    readonly view: TopologyView,
    private readonly router: Router,
    methods: Iterable<Method>,
    /** This version's commands, in document order; the router's store is an index into it. */
    private readonly commands: readonly RouteCommand[],
  ) {
    this.version = view.version;
    this.methods = [...methods];
  }

  /** The compiled router, for telling whether two tables share it. */
  get routerIdentity(): object {
    return this.router;
  }

  /** The command for `method` + `url` (query string allowed), or null. */
  match(method: string, url: string): RouteMatch | null {
    const found = this.router.find(method as Method, url);
    if (found === null) return null;
    return { command: this.commands[(found.store as CommandSlot).index] as RouteCommand, params: found.params };
  }

  /** Methods that do match `url`; non-empty means the path is known but the method is not (405). */
  allowedMethods(url: string): Method[] {
    return this.methods.filter((m) => this.router.find(m, url) !== null);
  }
}

/** A compiled command router and the methods it knows, for one commands section. */
interface CompiledCommands {
  readonly commands: LoadedTopology['commands'];
  /** Compiled in document order; the router stores indexes, never these objects. */
  readonly compiled: readonly RouteCommand[];
  readonly router: Router;
  readonly methods: readonly Method[];
}

/**
 * The last compiled commands section. Most new versions (a leader move, a
 * drain, a port change) leave the commands as they were; compiling 10,000
 * routes into find-my-way is most of a reload, so a version whose commands
 * are deeply equal to the last compiled ones reuses that router. The router
 * is never changed after it is built, so two tables may share it.
 */
let lastCompiled: CompiledCommands | undefined;

function compileCommands(commands: LoadedTopology['commands']): CompiledCommands {
  const router: Router = FindMyWay({ caseSensitive: true, ignoreTrailingSlash: false, maxParamLength: 256 });
  const methods = new Set<Method>();
  const compiled = commands.map((def, i) => {
    // The schema's method union widens to string in TypeScript; it only admits HTTP methods.
    const method = def.method as Method;
    // An index, not the command: a table that reuses this router maps it to its own version's command.
    router.on(method, def.path, unused, { index: i } satisfies CommandSlot);
    methods.add(method);
    return compileCommand(def);
  });
  return { commands, compiled, router, methods: [...methods] };
}

/**
 * Deep equality of two JSON values (what a loaded topology is made of):
 * the same own keys with equal values (key order aside), arrays in the same order.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let n = 0;
  for (const k in ra) {
    if (!Object.hasOwn(rb, k) || !sameJson(ra[k], rb[k])) return false;
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
 * router refuses (duplicate route, bad upstream path); the caller keeps the old table.
 */
export function buildRoutingTable(topology: LoadedTopology, options: BuildOptions = {}): RoutingTable {
  const built = commandsRouter(topology.commands, options.reuseRouter ?? true);
  // A reused router was compiled from an equal, older commands section: its matches must still
  // name this version's command objects (callers key maps by them), so rebind each one.
  const commands =
    built.commands === topology.commands
      ? built.compiled
      : topology.commands.map((def, i) => ({ def, upstreamPath: (built.compiled[i] as RouteCommand).upstreamPath }));
  return new RoutingTable(new TopologyView(topology), built.router, built.methods, commands);
}

/** True when `a` and `b` route by the same compiled router (a reload that left the commands alone). */
export function sharesRouter(a: RoutingTable, b: RoutingTable): boolean {
  return a.routerIdentity === b.routerIdentity;
}
