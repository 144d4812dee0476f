import type { Dispatcher } from '@setgate/http-client';

/** Options of the forward stage. */
export interface ForwardOptions {
  /** The process's one dispatcher (from `createDispatcher`); it keeps a pool per node. */
  readonly dispatcher: Dispatcher;
}
