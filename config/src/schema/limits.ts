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
    refusalPauseMs: Type.Integer({
      minimum: 0,
      maximum: 60000,
      default: 1000,
      description:
        'After refusing a client with Retry-After (shed 503, rate-limited or over-cap 429), the gateway and the regional proxy read nothing more from its connection for min(Retry-After, this): a client retrying at once waits in its own socket buffer instead of costing a refusal per attempt. Never applied to another setgate hop. 0 turns it off.',
    }),
  },
  { additionalProperties: false, description: 'Listener limits applied by every component.' },
);
