import type { FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { addressGroup } from '@setgate/service-kit';
import fp from 'fastify-plugin';
import { GatewayErrors } from '../../errors.js';
import { required } from '../request-context/request-context.js';
import { API_KEY_HEADER, ApiKeyAuthenticator } from './api-keys.js';
import { bearerToken } from './bearer.js';
import { FailedAuthThrottle } from './failed-auth-throttle.js';
import type { AuthStageOptions } from './options.js';
import type { Principal } from './principal.js';
import { invalidToken, TokenAuthenticator } from './token-authenticator.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The gateway's token authenticator; its `stats` show cache hits and verifications. */
    tokenAuthenticator: TokenAuthenticator;
  }
}

const CHALLENGE = 'Bearer realm="setgate"';

/**
 * Stage 5: authenticates the caller with a bearer token (JWT, algorithms
 * pinned per issuer) or an API key (`x-api-key`, stored hashed), and checks
 * the matched command's scopes. A command marked `anonymous` also admits a
 * request without credentials (no principal); credentials that are sent are
 * checked all the same. Runs before the body is read, so an unauthenticated
 * request never costs a body parse. A cached token is admitted synchronously.
 * An address with too many failed authentications (401) in a window is refused
 * with 429 and Retry-After before its credentials are looked at.
 */
export const authStage = fp<AuthStageOptions>(
  async (app, opts) => {
    // Keys are imported here, once per process, never per request.
    const authenticator = await TokenAuthenticator.create(opts);
    app.decorate('tokenAuthenticator', authenticator);
    const apiKeys = new ApiKeyAuthenticator(opts.auth);
    const throttle = opts.failedAuth ? new FailedAuthThrottle(opts.failedAuth, opts.now) : undefined;
    /** Passes a refusal on, counting a 401 against the client's address. */
    const fail = (request: FastifyRequest, err: unknown, next: HookHandlerDoneFunction) => {
      if (throttle !== undefined && (err as { status?: number }).status === 401) {
        throttle.recordFailure(addressGroup(request.setgate.clientAddress));
      }
      next(err as Error);
    };
    app.addHook('onRequest', (request, _reply, next) => {
      if (throttle?.tracking) {
        const waitMs = throttle.blockedForMs(addressGroup(request.setgate.clientAddress));
        if (waitMs > 0) {
          next(throttled(waitMs));
          return;
        }
      }
      const token = bearerToken(request.headers.authorization);
      const apiKey = token === undefined ? request.headers[API_KEY_HEADER] : undefined;
      if (typeof apiKey === 'string' && apiKey.length > 0) {
        let principal: Principal;
        try {
          principal = apiKeys.authenticate(apiKey);
        } catch (err) {
          fail(request, err, next);
          return;
        }
        admit(request, principal, next);
        return;
      }
      if (token === undefined) {
        // An anonymous command is served without a caller; the rate-limit stage counts it by client address.
        if (request.setgate.match?.command.def.anonymous === true) {
          next();
          return;
        }
        fail(
          request,
          GatewayErrors.create('SETGATE_GW_UNAUTHENTICATED', {
            detail: `Send a bearer token in the Authorization header or an API key in ${API_KEY_HEADER}.`,
            headers: { 'www-authenticate': CHALLENGE },
          }),
          next,
        );
        return;
      }
      let result: Principal | Promise<Principal>;
      try {
        result = authenticator.authenticate(token);
      } catch (err) {
        fail(request, invalidToken('token could not be verified', err), next);
        return;
      }
      if (result instanceof Promise) result.then((p) => admit(request, p, next), (err: unknown) => fail(request, err, next));
      else admit(request, result, next);
    });
  },
  { name: 'setgate-auth', fastify: '5.x', dependencies: ['setgate-command-match'] },
);

function throttled(waitMs: number): Error {
  const seconds = Math.ceil(waitMs / 1000);
  return GatewayErrors.create('SETGATE_GW_AUTH_THROTTLED', {
    detail: `Too many failed authentications from this address; retry in ${seconds} s.`,
    headers: { 'retry-after': String(seconds) },
  });
}

function admit(request: FastifyRequest, principal: Principal, next: HookHandlerDoneFunction): void {
  const ctx = request.setgate;
  let scopes: readonly string[];
  try {
    scopes = required(ctx.match, 'command match').command.def.scopes;
  } catch (err) {
    next(err as Error);
    return;
  }
  for (const scope of scopes) {
    if (!principal.scopes.has(scope)) {
      next(
        GatewayErrors.create('SETGATE_GW_INSUFFICIENT_SCOPE', {
          detail: `This command needs the scopes: ${scopes.join(' ')}`,
          headers: { 'www-authenticate': `${CHALLENGE}, error="insufficient_scope", scope="${scopes.join(' ')}"` },
        }),
      );
      return;
    }
  }
  ctx.principal = principal;
  next();
}
