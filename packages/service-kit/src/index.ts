export * from './body-deadlines.js';
export * from './client-slots.js';
export * from './admin.js';
export * from './args.js';
export * from './errors.js';
export * from './run.js';
export * from './service.js';
export * from './tracing.js';
