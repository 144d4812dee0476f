import { Type } from '@sinclair/typebox';

/** A lower-case identifier used for regions, sets, nodes, commands and classes. */
export const Name = Type.String({
  pattern: '^[a-z][a-z0-9-]{0,62}$',
  description: 'Lower-case identifier: letters, digits and dashes, starting with a letter.',
});

/** Where one listener of a component instance is bound. */
export const Listener = {
  host: Type.String({ default: '127.0.0.1', description: 'Address to bind and to reach this instance at.' }),
  port: Type.Integer({ minimum: 1, maximum: 65535, description: 'TCP port of the traffic listener.' }),
  adminPort: Type.Integer({
    minimum: 1,
    maximum: 65535,
    description: 'TCP port of the admin listener (Prometheus /metrics, /status). Never exposed to clients.',
  }),
};

export const Priority = Type.Union(
  [Type.Literal('critical'), Type.Literal('high'), Type.Literal('normal'), Type.Literal('low')],
  { description: 'Order in which load is shed: critical > high > normal > low.' },
);
