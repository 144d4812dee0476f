import type { PriorityName } from '@setgate/config';
import { LabelledCounter, type Meter } from '@setgate/telemetry';
import { SHED_REASONS } from './shed-policy.js';

const PRIORITIES: readonly PriorityName[] = ['critical', 'high', 'normal', 'low'];

/** `setgate.gateway.shed`: requests shed by admission, by priority and reason (in_flight, event_loop_delay, hard_cap). */
export function shedCounter(meter: Meter): LabelledCounter {
  return new LabelledCounter(meter, 'setgate.gateway.shed', 'Requests shed by admission, by priority and the signal that shed them.', {
    'setgate.priority': PRIORITIES,
    'setgate.reason': SHED_REASONS,
  });
}
