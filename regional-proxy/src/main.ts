import { componentMain } from '@setgate/service-kit';

/**
 * Process entry: `node regional-proxy/.tsbuild/src/main.js --id us-east-proxy-1 [--config FILE]`
 * (component.ts). With SETGATE_WORKERS above 1 it runs that many workers on its ports,
 * one per core with `auto` (service-kit's primary.ts).
 */
await componentMain('regional-proxy', () => import('./component.js'));
