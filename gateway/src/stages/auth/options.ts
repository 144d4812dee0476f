import type { TokenAuthenticatorOptions } from './token-authenticator.js';

/** Options of the auth stage: what its token authenticator is built from. */
export type AuthStageOptions = TokenAuthenticatorOptions;
