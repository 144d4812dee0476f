import { Type } from '@sinclair/typebox';
import { secretRef } from './secret.js';

export const HmacKey = Type.Object(
  {
    kid: Type.Optional(Type.String({ description: 'Key id matched against the token header.' })),
    alg: Type.Literal('HS256'),
    secret: secretRef(
      'The shared secret (at least 32 characters). Rotate by adding a key with a new kid, signing with it, then removing the old key.',
    ),
  },
  { additionalProperties: false },
);

export const PublicKey = Type.Object(
  {
    kid: Type.Optional(Type.String({ description: 'Key id matched against the token header.' })),
    alg: Type.Union([Type.Literal('RS256'), Type.Literal('ES256'), Type.Literal('EdDSA')], {
      description: 'The one algorithm this key verifies.',
    }),
    pem: Type.String({ pattern: '^-----BEGIN PUBLIC KEY-----', description: 'SPKI public key in PEM.' }),
  },
  { additionalProperties: false, description: 'An asymmetric verification key given in config.' },
);

export const Jwks = Type.Object(
  {
    url: Type.String({ pattern: '^https?://', description: "The issuer's JWKS document." }),
    cacheMaxAgeMs: Type.Integer({
      minimum: 1000,
      default: 600000,
      description: 'How long a fetched key set is used before it is fetched again.',
    }),
    cooldownMs: Type.Integer({
      minimum: 0,
      default: 30000,
      description: 'Least time between two fetches: a token with an unknown kid triggers at most one refetch per cooldown.',
    }),
    timeoutMs: Type.Integer({ minimum: 100, default: 2000, description: 'Deadline of one JWKS fetch.' }),
  },
  { additionalProperties: false, description: 'Keys fetched from a JWKS URL, cached, refetched on an unknown kid.' },
);

export const Algorithm = Type.Union(
  [Type.Literal('HS256'), Type.Literal('RS256'), Type.Literal('ES256'), Type.Literal('EdDSA')],
  { description: 'A JWS algorithm the gateway can verify.' },
);

export const Issuer = Type.Object(
  {
    issuer: Type.String({ minLength: 1, description: 'Expected iss claim.' }),
    audience: Type.String({ minLength: 1, description: 'Expected aud claim.' }),
    algorithms: Type.Array(Algorithm, {
      minItems: 1,
      description: 'Algorithms accepted from this issuer; anything else (none included) is refused.',
    }),
    keys: Type.Array(HmacKey, { default: [], description: 'HMAC verification secrets (HS256).' }),
    publicKeys: Type.Array(PublicKey, { default: [], description: 'Asymmetric verification keys (RS256, ES256, EdDSA).' }),
    jwks: Type.Optional(Jwks),
  },
  {
    additionalProperties: false,
    description: 'A trusted token issuer. It needs at least one key source: keys, publicKeys or jwks.',
  },
);

export const ApiKey = Type.Object(
  {
    id: Type.String({ minLength: 1, description: 'Name of the key in logs and metrics; never the key itself.' }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Hex SHA-256 of the key; the key itself is never stored.' }),
    tenant: Type.String({ minLength: 1, description: 'Tenant the key acts for; rate limits count per tenant.' }),
    subject: Type.Optional(Type.String({ minLength: 1, description: 'Subject asserted to nodes; defaults to `apikey:<id>`.' })),
    scopes: Type.Array(Type.String(), { default: [], description: 'Scopes the key grants.' }),
  },
  { additionalProperties: false, description: 'An API key, sent by clients in the x-api-key header.' },
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
    apiKeys: Type.Array(ApiKey, { default: [], description: 'API keys, stored hashed, each mapped to a tenant and scopes.' }),
  },
  { additionalProperties: false, description: 'How the gateway authenticates callers.' },
);
