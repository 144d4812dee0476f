// The benchmarks read process CPU time with the supervisor's helpers (one copy, used by `npm start`'s progress too).
export { type CpuTicks, clockTicksPerSecond, parseStatTicks, readProcessTicks, ticksToMicros } from '@setgate/process-supervisor';
