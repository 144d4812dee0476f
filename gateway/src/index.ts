export { buildGateway, type GatewayOptions } from './app.js';
export { type GatewayErrorCode, GatewayErrors } from './errors.js';
