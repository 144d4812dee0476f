export * from './banner.js';
export * from './dev-token.js';
export * from './rebind.js';
export * from './stack.js';
export * from './compose/compose-file.js';
export * from './compose/compose-topology.js';
export * from './compose/generate.js';
export * from './admin-tokens.js';
