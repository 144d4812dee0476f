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
  ) {
    this.version = view.version;
    this.methods = [...methods];
  }

  /** The command for `method` + `url` (query string allowed), or null. */
  match(method: string, url: string): RouteMatch | null {
    const found = this.router.find(method as Method, url);
    if (found === null) return null;
    return { command: found.store as RouteCommand, params: found.params };
  }

  /** Methods that do match `url`; non-empty means the path is known but the method is not (405). */
  allowedMethods(url: string): Method[] {
    return this.methods.filter((m) => this.router.find(m, url) !== null);
  }
}

/**
 * Builds the routing table of one topology version. Throws on a command the
 * router refuses (duplicate route, bad upstream path); the caller keeps the old table.
 */
export function buildRoutingTable(topology: LoadedTopology): RoutingTable {
  const router: Router = FindMyWay({ caseSensitive: true, ignoreTrailingSlash: false, maxParamLength: 256 });
  const methods = new Set<Method>();
  for (const def of topology.commands) {
    // The schema's method union widens to string in TypeScript; it only admits HTTP methods.
    const method = def.method as Method;
    router.on(method, def.path, unused, compileCommand(def));
    methods.add(method);
  }
  return new RoutingTable(new TopologyView(topology), router, methods);
}
