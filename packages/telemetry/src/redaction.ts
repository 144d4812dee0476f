import type { LoggerOptions } from 'pino';

/** What a redacted value is written as. */
export const REDACTED = '[redacted]';

// Headers that carry credentials: the client's bearer token and cookies, API keys,
// the stack's hop secret, session tokens.
const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', '"set-cookie"', '"x-api-key"', '"x-setgate-hop"', '"setgate-session"'];
// Fields a component might log holding a secret value.
const SECRET_FIELDS = ['password', 'secret', 'token', 'sessionToken', 'apiKey', 'bearer', 'clientSecret', 'privateKey'];

const bracket = (name: string) => (name.startsWith('"') ? `[${name}]` : `.${name}`);

/**
 * pino's `redact` paths: every credential header wherever a `headers` object is
 * logged (top level, or one level down as in `req.headers`), and fields named
 * like a secret at the top level and one level down. Redaction is done by
 * pino when a line is written, so a call site that forgets cannot leak.
 */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_HEADERS.flatMap((h) => [`headers${bracket(h)}`, `*.headers${bracket(h)}`]),
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]),
];

/** The logger option that applies REDACT_PATHS. */
export const redactOption: NonNullable<LoggerOptions['redact']> = { paths: [...REDACT_PATHS], censor: REDACTED };
