import type { DestinationStream } from 'pino';
import { pino } from 'pino';

/** What the coalescer writes through: a synchronous sink that copes with partial writes and EAGAIN (sonic-boom). */
interface SyncSink {
  write(data: string): boolean;
}

/** How long a line may wait for others before it is written: what a SIGKILL can lose, at most. */
export const LOG_COALESCE_MS = 50;

/** `{"level":` — pino writes the level first, so a line's level is the digit after it. */
const LEVEL_DIGIT_AT = 9;

/**
 * A log destination that gathers lines for up to `delayMs` and writes them with
 * one write. A busy component logs an access line per request; written one by
 * one, each line is a write to the pipe or file behind stdout and, on a pipe, a
 * wake-up of its reader: on our machine that cost more than making the line.
 *
 * Lines keep their order. An error or fatal line (level 50, 60) is written at
 * once, with everything before it, so what a crash says is never held back;
 * the stdout destination is also written out on exit (process.exit, an uncaught
 * exception, the end of the loop). A SIGKILL loses at most `delayMs` of info lines.
 */
export class CoalescingDestination implements DestinationStream {
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined = undefined;
  private readonly flushLater = () => {
    this.timer = undefined;
    this.flush();
  };

  constructor(
    private readonly sink: SyncSink,
    private readonly delayMs = LOG_COALESCE_MS,
  ) {}

  write(line: string): void {
    this.pending.push(line);
    const level = line.charCodeAt(LEVEL_DIGIT_AT);
    // '5' or '6' of `{"level":50` / 60 (levels are two digits: 10..60).
    if (level === 53 || level === 54) {
      this.flush();
      return;
    }
    if (this.timer === undefined) {
      this.timer = setTimeout(this.flushLater, this.delayMs);
      // Pending lines never keep a process alive: exit writes them.
      this.timer.unref();
    }
  }

  /** Writes what is pending now, synchronously. */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    const data = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('');
    this.pending = [];
    this.sink.write(data);
  }
}

let stdout: CoalescingDestination | undefined;

/**
 * The default destination of a component's logs: stdout, lines gathered for up to
 * LOG_COALESCE_MS per write. One per process, shared by every logger in it, and
 * written out on exit.
 */
export function stdoutLogDestination(): CoalescingDestination {
  if (stdout === undefined) {
    const destination = new CoalescingDestination(pino.destination({ dest: 1, sync: true }));
    process.on('exit', () => destination.flush());
    stdout = destination;
  }
  return stdout;
}
