import type { SetgateError } from '@setgate/contracts';
import type { RouteMatch, RoutingTable } from '@setgate/topology';
import { GatewayErrors } from '../../errors.js';
import type { Principal } from '../auth/principal.js';

// Tenant residency of each routing table, made on first use: a table is immutable, so once is enough.
const tenantResidency = new WeakMap<RoutingTable, ReadonlyMap<string, readonly string[]>>();

function tenantsOf(table: RoutingTable): ReadonlyMap<string, readonly string[]> {
  let tenants = tenantResidency.get(table);
  if (tenants === undefined) {
    tenants = new Map(table.view.doc.regionalProxy.tenants.map((t) => [t.tenant, t.residency]));
    tenantResidency.set(table, tenants);
  }
  return tenants;
}

/**
 * Refuses a request this gateway's region may not serve: its command's
 * residency or its verified tenant's does not include the region. The regional
 * proxy already keeps such requests in their regions (reading the tenant
 * unverified, which can only narrow); this is the check that holds when a
 * client reaches a gateway some other way, and the one made on a verified tenant.
 */
export function residencyRefusal(table: RoutingTable, match: RouteMatch, principal: Principal | undefined, region: string): SetgateError | undefined {
  const byCommand = match.command.def.residency;
  if (byCommand !== undefined && !byCommand.includes(region)) {
    return GatewayErrors.create('SETGATE_GW_RESIDENCY', {
      detail: `Command ${match.command.def.name} is served only in ${byCommand.join(', ')}; this gateway is in ${region}.`,
    });
  }
  const tenant = principal?.tenant;
  if (tenant === undefined) return undefined;
  const byTenant = tenantsOf(table).get(tenant);
  if (byTenant !== undefined && !byTenant.includes(region)) {
    return GatewayErrors.create('SETGATE_GW_RESIDENCY', {
      detail: `Requests of tenant ${tenant} are served only in ${byTenant.join(', ')}; this gateway is in ${region}.`,
    });
  }
  return undefined;
}
