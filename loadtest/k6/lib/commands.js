// @ts-check
/**
 * The shop commands the scripts drive, as config/topology.yaml routes them.
 * Priorities are repeated here because k6 cannot read the YAML; a Node test
 * (loadtest/test/k6/commands.test.ts) fails when they drift from the topology.
 */

/**
 * @typedef {'critical' | 'high' | 'normal' | 'low'} Priority
 * @typedef {object} ShopCommand
 * @property {string} name the topology's command name, used as the `command` tag
 * @property {'GET' | 'PUT' | 'POST' | 'DELETE'} method
 * @property {string} path
 * @property {'read' | 'write'} kind
 * @property {Priority} priority
 */

/** @satisfies {Record<string, ShopCommand>} */
export const COMMANDS = {
  profileGet: { name: 'profile.get', method: 'GET', path: '/v1/profile', kind: 'read', priority: 'high' },
  profilePut: { name: 'profile.put', method: 'PUT', path: '/v1/profile', kind: 'write', priority: 'normal' },
  cartGet: { name: 'cart.get', method: 'GET', path: '/v1/cart', kind: 'read', priority: 'critical' },
  cartSummary: { name: 'cart.summary', method: 'GET', path: '/v1/cart/summary', kind: 'read', priority: 'low' },
  cartAddItem: { name: 'cart.add-item', method: 'POST', path: '/v1/cart/items', kind: 'write', priority: 'critical' },
  cartClear: { name: 'cart.clear', method: 'DELETE', path: '/v1/cart', kind: 'write', priority: 'normal' },
};

/** @typedef {keyof typeof COMMANDS} CommandId */

/** Every priority, most important first: the order in which load is shed last. */
export const PRIORITIES = /** @type {const} */ (['critical', 'high', 'normal', 'low']);
