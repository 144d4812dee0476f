export * from './load.js';
export * from './problems.js';
export * from './schema/topology.js';
export { TopologySchema as Schema } from './schema/topology.js';
