import { componentMain } from '@setgate/service-kit';
import { workersSessionSecretEnv } from './workers-session-secret.js';

/**
 * The gateway process: `--id <gateway id> [--config FILE]` (component.ts).
 * With SETGATE_WORKERS above 1 it runs that many workers on its ports, one
 * per core with `auto` (service-kit's primary.ts).
 */
await componentMain('gateway', () => import('./component.js'), { workerEnv: workersSessionSecretEnv });
