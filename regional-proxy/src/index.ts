export { buildRegionalProxy, type RegionalProxyHandle, type RegionalProxyStatus } from './app.js';
export { ProxyErrors, type ProxyErrorCode } from './errors.js';
export type { GatewayStatus, GatewayTarget } from './gateway-directory.js';
export type { RegionalProxyOptions } from './options.js';
export { ownRegionSelector, type RegionRequest, type RegionSelector } from './region-selector.js';
export { proxyOptionsFromTopology, type TopologyProxyOptions } from './topology-options.js';
