export { buildGateway, type GatewayOptions } from './app.js';
export { type GatewayErrorCode, GatewayErrors } from './errors.js';
export { TokenAuthenticator, type TokenAuthenticatorOptions } from './stages/auth/token-authenticator.js';
