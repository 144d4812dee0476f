import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { DEV_ADMIN_TOKENS } from '../../src/index.js';

/**
 * Secret values that must never be in a generated file: the development admin
 * tokens, the development secrets config/topology.yaml held before secrets
 * were references, those `npm start` generated into data/secrets/, and any
 * credential set in this process's environment.
 */
export function knownSecretValues(root: string): string[] {
  const values: string[] = [
    ...Object.values(DEV_ADMIN_TOKENS),
    'setgate-local-development-secret-0001',
    'setgate-local-development-session-secret-0001',
  ];
  for (const k of ['SETGATE_INTERNAL_TOKEN', 'SETGATE_JWT_SECRET', 'SETGATE_SESSION_TOKEN_SECRET', 'SETGATE_CONTROL_PLANE_TOKEN', 'SETGATE_ADMIN_TOKEN']) {
    const v = process.env[k];
    if (v) values.push(v);
  }
  const dir = `${root}data/secrets`;
  if (existsSync(dir)) for (const f of readdirSync(dir)) values.push(readFileSync(`${dir}/${f}`, 'utf8').trim());
  return values.filter((v) => v.length > 0);
}
