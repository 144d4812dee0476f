export * from './load.js';
export * from './problems.js';
export * from './schema/topology.js';
export { TopologySchema as Schema } from './schema/topology.js';
export * from './diff/structural-diff.js';
export * from './diff/impact.js';
export * from './diff/transition.js';
export * from './drain.js';
export * from './route-path.js';
