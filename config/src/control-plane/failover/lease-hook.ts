import type { FastifyInstance } from 'fastify';
import { performance } from 'node:perf_hooks';
import type { LeaseLedger } from './lease-ledger.js';

/** The watch route whose answers grant leases, and the header that says so (packages/config-watch LEASE_HEADER). */
const WATCH_ROUTE = '/v1/config/watch';
const LEASE_HEADER = 'x-setgate-lease';

/**
 * Makes every answer of the watch route to a poll that names a node
 * (`?node=<id>`) a lease grant, recorded at the last moment before the
 * answer leaves (onSend): the node counts its lease from when it sent the
 * poll, which is earlier, so the recorded time bounds the node's lease from
 * above (lease-grants.ts). A revoked node is told so and nothing is recorded.
 * Only 200 (a new version) and 204 (still current) answers grant anything.
 */
export function grantLeasesOnWatch(app: FastifyInstance, leases: LeaseLedger): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.routeOptions.url !== WATCH_ROUTE || (reply.statusCode !== 200 && reply.statusCode !== 204)) return payload;
    // A poll whose connection is already gone (its node was killed while it waited) cannot be answered, so
    // it grants nothing: recording it would only make the controller wait longer for a dead node.
    if (request.socket.destroyed) return payload;
    const node = (request.query as { node?: unknown }).node;
    // elapsedTime counts from the request's first hook, so this is at or after its arrival (lease-ledger.ts).
    if (typeof node === 'string' && node.length > 0 && node.length <= 100) reply.header(LEASE_HEADER, await leases.answer(node, performance.now() - reply.elapsedTime));
    return payload;
  });
}
