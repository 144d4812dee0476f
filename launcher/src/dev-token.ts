/** The development token signer lives with the topology it reads (config); the launcher re-exports it for its callers. */
export { type DevTokenOptions, signDevToken } from '@setgate/config/dev-token';
