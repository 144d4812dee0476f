import { Type } from '@sinclair/typebox';

export const HmacKey = Type.Object(
  {
    kid: Type.Optional(Type.String({ description: 'Key id matched against the token header.' })),
    alg: Type.Literal('HS256'),
    secret: Type.String({ minLength: 32, description: 'Shared secret (at least 32 characters).' }),
  },
  { additionalProperties: false },
);

export const Issuer = Type.Object(
  {
    issuer: Type.String({ minLength: 1, description: 'Expected iss claim.' }),
    audience: Type.String({ minLength: 1, description: 'Expected aud claim.' }),
    algorithms: Type.Array(Type.Literal('HS256'), {
      minItems: 1,
      description: 'Algorithms accepted from this issuer; anything else (none included) is refused.',
    }),
    keys: Type.Array(HmacKey, { minItems: 1, description: 'Verification keys.' }),
  },
  { additionalProperties: false, description: 'A trusted token issuer.' },
);

export const Auth = Type.Object(
  {
    issuers: Type.Array(Issuer, { minItems: 1 }),
    clockToleranceSec: Type.Integer({
      minimum: 0,
      maximum: 300,
      default: 5,
      description: 'Leeway for exp and nbf.',
    }),
  },
  { additionalProperties: false, description: 'How the gateway authenticates callers.' },
);
