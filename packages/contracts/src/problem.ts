/** RFC 9457 problem details, as every setgate component returns them. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  /** URI naming the problem type: `urn:setgate:error:<code>`. */
  type: string;
  title: string;
  status: number;
  /** Stable machine-readable code, e.g. SETGATE_GW_UNAUTHENTICATED. */
  code: string;
  detail?: string;
  /** The request id, so a client report can be matched to logs. */
  instance?: string;
  [extension: string]: unknown;
}

/** One entry of an error catalogue. */
export interface ErrorSpec {
  readonly status: number;
  readonly title: string;
  /**
   * A refusal the component makes on purpose to protect itself or others (shed under
   * overload, rate-limited, a client over its cap): nothing failed, so it is logged in
   * the access line only, never as an error with a stack. Under overload these are most
   * answers, and writing each as an error line was itself most of what a shed cost.
   */
  readonly refusal?: true;
}

/** An error with a stable code and an HTTP status; `cause` is kept for logs, never sent. */
export class SetgateError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly title: string,
    detail?: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
    /** A deliberate refusal (ErrorSpec.refusal), not a failure. */
    readonly refusal = false,
  ) {
    super(detail ?? title, options);
    this.name = 'SetgateError';
  }

  toProblem(instance?: string): Problem {
    return {
      type: `urn:setgate:error:${this.code}`,
      title: this.title,
      status: this.status,
      code: this.code,
      detail: this.message,
      ...(instance ? { instance } : {}),
      ...this.extensions,
    };
  }
}

export interface ErrorOptions {
  readonly detail?: string;
  readonly extensions?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
  readonly cause?: unknown;
}

/**
 * Builds a typed error catalogue: `const E = defineErrors({...}); throw E.create('X', {...})`.
 * Codes are the object's keys, so they are unique by construction.
 */
export function defineErrors<const C extends Record<string, ErrorSpec>>(catalogue: C) {
  return {
    catalogue,
    create(code: keyof C & string, opts: ErrorOptions = {}): SetgateError {
      const spec = catalogue[code] as ErrorSpec;
      if (spec.refusal === true) return withoutStack(() => build(code, spec, opts));
      return build(code, spec, opts);
    },
  };
}

function build(code: string, spec: ErrorSpec, opts: ErrorOptions): SetgateError {
  return new SetgateError(code, spec.status, spec.title, opts.detail, opts.extensions, opts.headers, { cause: opts.cause }, spec.refusal === true);
}

/**
 * Runs `make` with stack capture off. A refusal is an answer, not a fault: nobody reads
 * its stack, and under overload, where most answers are refusals, capturing one per
 * request was a measurable part of what a shed cost.
 */
function withoutStack<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Errors every component can raise from its HTTP layer. */
export const CommonErrors = defineErrors({
  SETGATE_NOT_FOUND: { status: 404, title: 'No such route' },
  SETGATE_BAD_REQUEST: { status: 400, title: 'Malformed request' },
  SETGATE_BODY_TOO_LARGE: { status: 413, title: 'Request body too large' },
  SETGATE_HEADERS_TOO_LARGE: { status: 431, title: 'Request headers too large' },
  SETGATE_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  SETGATE_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  SETGATE_TIMEOUT: { status: 408, title: 'Request timed out' },
  /** The request body arrived slower than `limits.bodyMinBytesPerSec`: cut, a client fault. */
  SETGATE_BODY_TOO_SLOW: { status: 408, title: 'Request body too slow' },
  /** One client holds too many requests in flight or connections: it waits, others are served. */
  SETGATE_CLIENT_BUSY: { status: 429, title: 'Too many requests in flight for this client', refusal: true },
  SETGATE_UNAVAILABLE: { status: 503, title: 'Service unavailable' },
  SETGATE_INTERNAL: { status: 500, title: 'Internal error' },
});
