import { Type } from '@sinclair/typebox';

export const Limits = Type.Object(
  {
    bodyLimitBytes: Type.Integer({ minimum: 1, default: 1048576, description: 'Largest request body accepted.' }),
    maxHeaderBytes: Type.Integer({ minimum: 1024, default: 16384, description: 'Largest request header block.' }),
    requestTimeoutMs: Type.Integer({ minimum: 1, default: 10000, description: 'Whole-request deadline.' }),
    headersTimeoutMs: Type.Integer({ minimum: 1, default: 5000, description: 'Deadline to receive request headers.' }),
    keepAliveTimeoutMs: Type.Integer({ minimum: 1, default: 5000, description: 'Idle keep-alive socket lifetime.' }),
  },
  { additionalProperties: false, description: 'Listener limits applied by every component.' },
);
