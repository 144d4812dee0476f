export * from './config-watcher.js';
export * from './backoff.js';
export * from './from-topology.js';
export * from './watch-metrics.js';
