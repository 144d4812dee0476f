import type { DestinationStream } from 'pino';
import { pino } from 'pino';

/**
 * What the coalescer writes through: a synchronous sink that copes with partial writes and
 * EAGAIN (sonic-boom in buffer mode). It may keep the buffer it is given (to retry): the
 * coalescer never writes into a buffer again once it has handed it over.
 */
export interface SyncSink {
  write(data: Buffer): boolean;
}

/** A SyncSink writing to a file descriptor (1: stdout): sonic-boom, synchronous, in buffer mode. */
export function fdSink(fd: number): SyncSink {
  // pino's types give its destination the string write of utf8 mode; in buffer mode it takes Buffers.
  return pino.destination({ dest: fd, sync: true, contentMode: 'buffer' }) as unknown as SyncSink;
}

/** Bytes gathered before a write; a busy hop's 50 ms of access lines (~400 bytes each) fit. */
const BUFFER_BYTES = 64 * 1024;

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
  /**
   * Lines are encoded into this buffer as they come, not kept as strings until the write:
   * a string held for up to 50 ms (often a rope of a dozen pieces) outlived a young-generation
   * GC or two, and the GC work grew with every line pending.
   */
  private buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
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
    // A UTF-16 unit is at most 3 UTF-8 bytes: a line that might not fit writes out what is pending first.
    if (this.used + line.length * 3 > this.buffer.length) {
      this.flush();
      if (line.length * 3 > this.buffer.length) {
        this.sink.write(Buffer.from(line));
        return;
      }
    }
    this.used += this.buffer.write(line, this.used);
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
    if (this.used === 0) return;
    const data = this.buffer.subarray(0, this.used);
    this.buffer = Buffer.allocUnsafe(BUFFER_BYTES);
    this.used = 0;
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
    const destination = new CoalescingDestination(fdSink(1));
    process.on('exit', () => destination.flush());
    stdout = destination;
  }
  return stdout;
}
