/** Just enough of a NetworkPolicy to evaluate ingress: matchLabels selectors and numeric ports. */
interface Policy {
  spec: {
    podSelector: { matchLabels?: Record<string, string> };
    policyTypes?: string[];
    ingress?: Array<{
      from?: Array<{ podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: object }>;
      ports?: Array<{ port?: number }>;
    }>;
  };
}

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);

/**
 * Whether the policies admit a connection from a pod with `from` labels (in the
 * same namespace) to a pod with `to` labels on `port`, as Kubernetes decides:
 * a pod no ingress policy selects admits everything; otherwise some rule of a
 * policy that selects it must match both the peer and the port.
 */
export function ingressAllowed(policies: readonly Policy[], from: Record<string, string>, to: Record<string, string>, port: number): boolean {
  const applying = policies.filter((p) => (p.spec.policyTypes ?? ['Ingress']).includes('Ingress') && selects(p.spec.podSelector.matchLabels, to));
  if (applying.length === 0) return true;
  return applying.some((p) =>
    (p.spec.ingress ?? []).some(
      (rule) =>
        (rule.ports === undefined || rule.ports.some((x) => x.port === undefined || x.port === port)) &&
        (rule.from === undefined || rule.from.some((peer) => peer.podSelector !== undefined && selects(peer.podSelector.matchLabels, from))),
    ),
  );
}
