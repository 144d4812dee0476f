export * from './component.js';
export * from './ports.js';
export * from './supervisor.js';
