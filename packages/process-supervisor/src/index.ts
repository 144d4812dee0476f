export * from './component.js';
export * from './node-args.js';
export * from './proc-cpu.js';
export * from './ports.js';
export * from './supervisor.js';
export * from './redis-server.js';
export * from './etcd-cluster.js';
export * from './certificates.js';
