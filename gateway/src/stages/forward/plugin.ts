import fp from 'fastify-plugin';
import { Forwarder } from './forwarder.js';
import type { ForwardOptions } from './options.js';
import { acceptRawBodies } from './raw-body.js';

/**
 * Stage 9: sends the request along its route plan (forwarder.ts) and sends
 * the answer back with `dispatcher.request()` and `reply.send(body)`
 * (`stream.pipeline()` would cost ~40% of a hop's throughput). A small body
 * (declared ≤ 64 KiB) is read whole first and goes out in one write; a larger
 * one is streamed (small-body.ts). The command's `timeoutMs` bounds the wait
 * for the node's headers and between body chunks.
 * Registers fastify's only route, a catch-all: command-match decides what exists.
 */
export const forwardStage = fp<ForwardOptions>(
  (app, opts, done) => {
    acceptRawBodies(app);
    const forwarder = new Forwarder(opts);
    app.all('*', (request, reply) => forwarder.forward(request, reply));
    done();
  },
  { name: 'setgate-forward', fastify: '5.x', dependencies: ['setgate-routing'] },
);
