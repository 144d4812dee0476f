export * from './banner.js';
export * from './dev-token.js';
export * from './rebind.js';
export * from './stack.js';
