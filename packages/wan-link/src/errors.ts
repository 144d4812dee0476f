import { defineErrors } from '@setgate/contracts';

/** The WAN relay admin endpoint's error catalogue. */
export const WanErrors = defineErrors({
  SETGATE_WAN_UNAUTHENTICATED: { status: 401, title: 'The stack internal token is required' },
  SETGATE_WAN_BAD_REQUEST: { status: 400, title: 'Malformed WAN fault request' },
  SETGATE_WAN_NOT_FOUND: { status: 404, title: 'No such WAN admin route' },
  SETGATE_WAN_INTERNAL: { status: 500, title: 'WAN relay internal error' },
});
