import type { CommandView, RoutingTable } from '@setgate/topology';
import type { RegionRequest } from './region-selector.js';
import { tenantOf } from './tenant-claim.js';

/** One `regionalProxy.tenants` entry. */
export interface TenantResidency {
  readonly tenant: string;
  readonly residency: readonly string[];
}

/** The parts of the `regionalProxy` config section residency reads. */
export interface ResidencyConfig {
  readonly tenantClaim: string;
  readonly tenants: readonly TenantResidency[];
}

/**
 * Which regions a request may be served in: its command's residency (found
 * with the topology's route table, the same matcher the gateway uses)
 * intersected with its tenant's. Work is only done for what the config uses:
 * no route lookup when no command has residency, no token read when no tenant
 * has one.
 */
export class ResidencyPolicy {
  private readonly commandSets = new Map<CommandView, ReadonlySet<string>>();
  private readonly tenantSets: ReadonlyMap<string, ReadonlySet<string>>;
  private readonly tenantClaim: string;

  constructor(
    private readonly routes: RoutingTable,
    config: ResidencyConfig,
  ) {
    for (const c of routes.view.doc.commands) if (c.residency) this.commandSets.set(c, new Set(c.residency));
    this.tenantSets = new Map(config.tenants.map((t) => [t.tenant, new Set(t.residency)]));
    this.tenantClaim = config.tenantClaim;
  }

  /** Regions the request is limited to; undefined when it may go anywhere. May be empty when the two residencies do not overlap. */
  allowed(request: RegionRequest): ReadonlySet<string> | undefined {
    const byCommand = this.commandSets.size > 0 ? this.ofCommand(request) : undefined;
    const byTenant = this.tenantSets.size > 0 ? this.ofTenant(request) : undefined;
    if (byCommand === undefined) return byTenant;
    if (byTenant === undefined) return byCommand;
    return new Set([...byCommand].filter((r) => byTenant.has(r)));
  }

  private ofCommand(request: RegionRequest): ReadonlySet<string> | undefined {
    const match = this.routes.match(request.method, request.url);
    return match ? this.commandSets.get(match.command.def) : undefined;
  }

  private ofTenant(request: RegionRequest): ReadonlySet<string> | undefined {
    const tenant = tenantOf(request.headers.authorization, this.tenantClaim);
    return tenant === undefined ? undefined : this.tenantSets.get(tenant);
  }
}
