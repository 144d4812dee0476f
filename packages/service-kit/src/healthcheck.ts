import { checkReadyFile } from './ready-file.js';

/**
 * `node packages/service-kit/.tsbuild/src/healthcheck.js`: the image's
 * HEALTHCHECK. Exits 0 when the component in this container answers its
 * health route, 1 otherwise (the reason on stderr, which `docker inspect` shows).
 */
const result = await checkReadyFile();
if (!result.ok) process.stderr.write(`${result.detail}\n`);
process.exit(result.ok ? 0 : 1);
