import { Type } from '@sinclair/typebox';

/**
 * A secret given by reference, never by value: the config (and so every
 * control-plane answer, version and diff) holds only where the secret is,
 * and the one process that needs it (a gateway, a token signer) reads it
 * there at start. Exactly one of `env` and `file` (checked in
 * semantics-secrets.ts: one object with two optional fields keeps the schema
 * a plain object, which the fast open check in shape-check.ts needs).
 */
const refFields = {
  env: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$',
        description: 'Name of the environment variable that holds the secret, in the process that uses it.',
      }),
    ),
    file: Type.Optional(
      Type.String({
        pattern: '^/',
        maxLength: 4096,
        description: 'Absolute path of a file that holds the secret (surrounding whitespace ignored), read by the process that uses it.',
      }),
    ),
};

/** A secret reference with what the secret is for in its description. */
export function secretRef(what: string) {
  return Type.Object(refFields, {
    additionalProperties: false,
    description: `${what} Given by reference: exactly one of env (an environment variable) or file (an absolute path); the value itself is never in the config.`,
  });
}

export const SecretRef = secretRef('A secret.');
