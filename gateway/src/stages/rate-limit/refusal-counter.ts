import { LabelledCounter, type Meter } from '@setgate/telemetry';

/** `setgate.gateway.rate_limited`: refusals by limit class and limiter mode (shared through Redis, or local). */
export function refusalCounter(meter: Meter, classes: readonly string[]): LabelledCounter {
  return new LabelledCounter(meter, 'setgate.gateway.rate_limited', 'Requests refused by a rate limit, by class and limiter mode.', {
    'setgate.rate_limit.class': classes,
    'setgate.mode': ['shared', 'local'],
  });
}
