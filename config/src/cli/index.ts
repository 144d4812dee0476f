// What other workspaces (the launcher) use of the CLI: the admin client and the config comparisons.
export { AdminApiError, AdminClient } from './client.js';
export { readDocument, UsageError } from './commands.js';
export * from './served-config.js';
