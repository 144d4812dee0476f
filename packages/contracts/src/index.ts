export * from './headers.js';
export * from './node-api.js';
export * from './problem.js';
export * from './ready.js';
export * from './position.js';
export * from './replication-api.js';
export * from './hop-secrets.js';
export * from './launcher-api.js';
