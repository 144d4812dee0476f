import { commandNameOf, Header } from '@setgate/contracts';
import type { RequestDescriber } from '@setgate/service-kit';

/**
 * How a regional proxy names a finished request. It matches no commands (its
 * one route is a catch-all), so it takes the command from the gateway's answer
 * (`x-setgate-command`, `PUT profile.put`); a request no gateway answered is
 * `METHOD unrouted`, a fixed name rather than the raw path.
 */
export function proxyRequestSummary(region: string): RequestDescriber {
  return (request, reply, span) => {
    const command = commandNameOf(reply.getHeader(Header.command));
    const template = request.routeOptions.url;
    const route = command ?? (template === undefined || template === '*' ? 'unrouted' : template);
    if (span !== undefined) {
      span.setAttribute('setgate.region', region);
      span.setAttribute('http.route', template ?? 'unrouted');
      if (command !== undefined) span.setAttribute('setgate.command', command);
      const served = reply.getHeader(Header.region);
      if (typeof served === 'string') span.setAttribute('setgate.served_region', served);
    }
    return { route };
  };
}
