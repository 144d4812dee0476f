export * from './shard-hash.js';
export * from './view.js';
export * from './routing/route-command.js';
export * from './routing/routing-table.js';
export * from './routing/upstream-path.js';
export * from './routing/routing-table-ref.js';
export * from './shard-key.js';
