import type { FailedAuthPolicy } from './failed-auth-throttle.js';
import type { TokenAuthenticatorOptions } from './token-authenticator.js';

/** Options of the auth stage: what its token authenticator is built from, and the failed-auth throttle. */
export type AuthStageOptions = TokenAuthenticatorOptions & {
  /** `gateway.fairness.failedAuth`; omitted: failed authentication is not throttled. */
  readonly failedAuth?: FailedAuthPolicy;
};
