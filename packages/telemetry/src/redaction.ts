import type { LoggerOptions } from 'pino';

/** What a redacted value is written as. */
export const REDACTED = '[redacted]';

// Headers that carry credentials: the client's bearer token and cookies, API keys,
// the stack's hop secret, session tokens.
const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', '"set-cookie"', '"x-api-key"', '"x-setgate-hop"', '"setgate-session"'];
// Fields a component might log holding a secret value.
const SECRET_FIELDS = ['password', 'secret', 'token', 'sessionToken', 'apiKey', 'bearer', 'clientSecret', 'privateKey'];

const bracket = (name: string) => (name.startsWith('"') ? `[${name}]` : `.${name}`);

// Where components and libraries put headers and settings in a line. Paths are explicit, never `*.x`:
// pino's wildcard redaction walks every key of every line and measured ~20 µs per line here (the
// access log writes one per request per hop); explicit paths cost ~1 µs.
const HEADER_HOLDERS = ['', 'req.', 'request.', 'res.', 'response.', 'upstream.'];
const FIELD_HOLDERS = ['', 'config.', 'auth.', 'options.', 'body.', 'err.'];

/**
 * pino's `redact` paths: every credential header of a `headers` object at the
 * top level or in the usual holders (`req.headers`, `upstream.headers`, ...),
 * and fields named like a secret at the top level or in the usual holders
 * (`config.secret`, ...). Redaction is done by pino when a line is written, so
 * a call site that logs such an object cannot leak it.
 */
export const REDACT_PATHS: readonly string[] = [
  ...HEADER_HOLDERS.flatMap((holder) => SECRET_HEADERS.map((h) => `${holder}headers${bracket(h)}`)),
  ...FIELD_HOLDERS.flatMap((holder) => SECRET_FIELDS.map((f) => `${holder}${f}`)),
];

/** The logger option that applies REDACT_PATHS. */
export const redactOption: NonNullable<LoggerOptions['redact']> = { paths: [...REDACT_PATHS], censor: REDACTED };
