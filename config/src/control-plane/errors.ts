import { defineErrors } from '@setgate/contracts';

/** Every error the control plane answers with; clients get them as application/problem+json. */
export const ControlPlaneErrors = defineErrors({
  SETGATE_CP_UNAUTHENTICATED: { status: 401, title: 'A bearer token is required' },
  SETGATE_CP_FORBIDDEN: { status: 403, title: "The token's role does not allow this" },
  SETGATE_CP_BAD_REQUEST: { status: 400, title: 'Malformed request' },
  SETGATE_CP_INVALID_DOCUMENT: { status: 422, title: 'The topology document is refused' },
  SETGATE_CP_DOCUMENT_TOO_LARGE: { status: 413, title: 'The topology document exceeds a size, count or depth limit' },
  SETGATE_CP_NO_CHANGE: { status: 422, title: 'The document equals the current version' },
  SETGATE_CP_VERSION_CONFLICT: { status: 409, title: 'The config changed since the base version' },
  SETGATE_CP_VERSION_NOT_FOUND: { status: 404, title: 'No such config version' },
  SETGATE_CP_OPERATION_REFUSED: { status: 422, title: 'The operation cannot be done on this topology' },
  SETGATE_CP_OPERATION_NOT_FOUND: { status: 404, title: 'No such operation' },
  SETGATE_CP_OPERATION_BUSY: { status: 409, title: 'Another leadership operation is running' },
  SETGATE_CP_SWITCHOVER_UNAVAILABLE: { status: 503, title: 'Nodes cannot be fenced from here' },
  SETGATE_CP_SWITCHOVER_FAILED: { status: 502, title: 'The planned switchover was aborted' },
  SETGATE_CP_LEADER_CHANGE_REFUSED: { status: 409, title: 'A new leader would lack acknowledged writes; nothing was changed' },
  SETGATE_CP_LEADER_CHANGE_UNPROVEN: { status: 409, title: 'A leader change must go through the leader-change protocol' },
  SETGATE_CP_STORE_UNAVAILABLE: { status: 503, title: 'The config store cannot be reached' },
});

export type ControlPlaneErrorCode = keyof typeof ControlPlaneErrors.catalogue;
