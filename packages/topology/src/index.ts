export * from './shard-hash.js';
export * from './view.js';
