/** IPC message a component sends its supervisor once all its listeners accept connections. */
export interface ReadyMessage {
  type: 'setgate:ready';
  id: string;
  kind: 'regional-proxy' | 'gateway' | 'set-runtime' | 'control-plane';
  url: string;
  adminUrl: string;
}

export function isReadyMessage(m: unknown): m is ReadyMessage {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'setgate:ready';
}
