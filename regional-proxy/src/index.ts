export { buildRegionalProxy, type RegionalProxyHandle } from './app.js';
export { ProxyErrors, type ProxyErrorCode } from './errors.js';
export type { GatewayStatus, GatewayTarget, RegionStatus } from './gateway-directory.js';
export type { GatewayHealthStatus, HealthState } from './health/gateway-health.js';
export type { RegionalPolicy, RegionalProxyOptions } from './options.js';
export type { Home, HomeSource } from './region/home-region.js';
export type { RegionChoice, RegionRequest, RegionSelector } from './region/region-selector.js';
export type { RegionalProxyStatus } from './status.js';
export { proxyOptionsFromTopology, type TopologyProxyOptions } from './topology-options.js';
