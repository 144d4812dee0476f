/**
 * `SETGATE_WORKERS`: how many worker processes a gateway or regional proxy
 * runs: a whole number, or `auto` for one per core the process may use. Unset:
 * 1 (one process), which is what the local stack runs, several components
 * sharing a few cores; a container or pod that owns its cores sets it.
 * Read by service-kit's workers.ts; set by the compose and Kubernetes generators.
 */
export const WORKERS_ENV = 'SETGATE_WORKERS';
