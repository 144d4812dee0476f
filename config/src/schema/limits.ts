import { Type } from '@sinclair/typebox';

export const Limits = Type.Object(
  {
    bodyLimitBytes: Type.Integer({ minimum: 1, default: 1048576, description: 'Largest request body accepted.' }),
    maxHeaderBytes: Type.Integer({ minimum: 1024, default: 16384, description: 'Largest request header block.' }),
    requestTimeoutMs: Type.Integer({ minimum: 1, default: 10000, description: 'Whole-request deadline.' }),
    headersTimeoutMs: Type.Integer({
      minimum: 1,
      default: 5000,
      description: 'Deadline to receive request headers; a connection is cut (408) within a second of it.',
    }),
    bodyMinBytesPerSec: Type.Integer({
      minimum: 1,
      default: 1024,
      description:
        'Slowest request body accepted, on average since bodyGraceMs: a body that trickles slower is cut with 408 SETGATE_BODY_TOO_SLOW (a client fault, never an upstream one).',
    }),
    bodyGraceMs: Type.Integer({
      minimum: 0,
      default: 2000,
      description: 'Time a request body gets before its data rate is checked.',
    }),
    keepAliveTimeoutMs: Type.Integer({ minimum: 1, default: 5000, description: 'Idle keep-alive socket lifetime.' }),
  },
  { additionalProperties: false, description: 'Listener limits applied by every component.' },
);
