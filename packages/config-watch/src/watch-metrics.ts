import { durationHistogram, LabelledCounter, type Meter } from '@setgate/telemetry';
import { logWatchEvents, type WatchEvent, type WatchLogger } from './config-watcher.js';

/**
 * A component's config metrics: `setgate.config.version` (the version it serves),
 * `setgate.config.age` (s since it applied that version: a component stuck on an old
 * version shows a growing age while its peers reset theirs), `setgate.config.reload.duration`
 * (s to validate, build and swap a version) and `setgate.config.reload.failures` by reason
 * (refused: invalid or unbuildable; disconnected: the control plane could not be reached),
 * both reasons at 0 from start. Feed it the watch's events; without a control plane the
 * version is the file's and never changes.
 */
export function configWatchMetrics(meter: Meter, startVersion: number, now: () => number = Date.now): (event: WatchEvent) => void {
  let version = startVersion;
  let appliedAt = now();
  meter
    .createObservableGauge('setgate.config.version', { description: 'Config version this component serves.' })
    .addCallback((r) => r.observe(version));
  meter
    .createObservableGauge('setgate.config.age', { unit: 's', description: 'Seconds since this component applied the config version it serves.' })
    .addCallback((r) => r.observe((now() - appliedAt) / 1000));
  const reload = durationHistogram(meter, 'setgate.config.reload.duration', 'Time to validate, build and swap in a new config version.');
  const failures = new LabelledCounter(meter, 'setgate.config.reload.failures', 'Config versions refused or watch polls that failed, by reason.', {
    'setgate.reason': ['refused', 'disconnected'],
  });
  return (event) => {
    if (event.kind === 'applied') {
      version = event.version;
      appliedAt = now();
      reload.record(event.applyMs / 1000);
    } else if (event.kind === 'refused' || event.kind === 'disconnected') {
      failures.add(event.kind);
    }
  };
}

/** The watch handler of a component that only logs and measures its watch: logWatchEvents and configWatchMetrics. */
export function logAndMeasureWatch(logger: WatchLogger, meter: Meter, startVersion: number): (event: WatchEvent) => void {
  const log = logWatchEvents(logger);
  const measure = configWatchMetrics(meter, startVersion);
  return (event) => {
    log(event);
    measure(event);
  };
}
