import { Type } from '@sinclair/typebox';

/** Which otherwise refused addresses the topology may name (config/src/host-check.ts). */
export const Network = Type.Object(
  {
    allowedHosts: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
      default: [],
      maxItems: 256,
      description:
        'Link-local or cloud-metadata hosts (169.254.0.0/16, fe80::/10, 169.254.169.254, fd00:ec2::254, metadata.google.internal…) that node, gateway, proxy and control-plane hosts may still name, each exactly as written there. Empty by default; changing it needs the admin role.',
    }),
  },
  { additionalProperties: false, description: 'Network rules for the addresses the topology names.' },
);
