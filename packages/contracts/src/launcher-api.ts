/**
 * The launcher's process API (`npm start`): which processes it runs and a
 * restart in place, with the same data directory, ports and secrets. It
 * listens on loopback only and takes the control plane's admin tokens
 * (viewer lists, operator restarts). `setgate node` is its client.
 */
export const LauncherPath = {
  processes: '/v1/processes',
  restart: '/v1/processes/:id/restart',
} as const;

/** Env var: the launcher's process API (else read from `<data dir>/launcher.json`). */
export const LAUNCHER_URL_ENV = 'SETGATE_LAUNCHER_URL';
/** The file `npm start` writes into its data directory while it runs. */
export const LAUNCHER_FILE = 'launcher.json';

/** `<data dir>/launcher.json`: where the running launcher answers. */
export interface LauncherFile {
  url: string;
  pid: number;
}

/** One supervised process as the launcher sees it. */
export interface ProcessView {
  id: string;
  /** From its ready message; absent for a process that never reported ready (etcd, the WAN relay). */
  kind?: string;
  pid: number;
  state: 'running' | 'exited' | 'restarting';
  /** How it ended, while exited. */
  exit?: { code: number | null; signal: string | null };
  /** What it answered when it reported ready (its listener). */
  url?: string;
  /** Restarts through this API since the launcher started. */
  restarts: number;
}

export interface ProcessesAnswer {
  processes: ProcessView[];
}

/** The answer to a restart: the process as it runs again, and how long it took to report ready. */
export interface RestartAnswer {
  process: ProcessView;
  readyAfterMs: number;
}
