import { startTelemetry, type Telemetry } from '@setgate/telemetry';
import type { FastifyInstance } from 'fastify';
import { buildGateway, type GatewayOptions } from '../../src/index.js';
import { type TestTopologyOptions, testTopology } from './topology.js';

let telemetry: Telemetry | undefined;

/** One telemetry per test process: it registers the global W3C propagator, which traceparent needs. */
export function testTelemetry(): Telemetry {
  telemetry ??= startTelemetry({ service: 'gateway', instance: 'gw-test', logLevel: 'silent' });
  return telemetry;
}

export const REGION = 'test-east';

/** A gateway over the test topology; the caller closes it. */
export function testGateway(
  topology: TestTopologyOptions,
  extra: Partial<Omit<GatewayOptions, 'topology' | 'telemetry'>> = {},
): FastifyInstance {
  return buildGateway({ topology: testTopology(topology), region: REGION, telemetry: testTelemetry(), ...extra });
}
