import { compareTopologies, documentLimitProblem, validateTopology } from '@setgate/config';
import { Header } from '@setgate/contracts';
import { clientGoneSignal } from '@setgate/service-kit';
import type { FastifyInstance } from 'fastify';
import type { ConfigService } from '../config-service.js';
import { ControlPlaneErrors } from '../errors.js';
import type { VersionRecord } from '../store/config-store.js';
import type { FailoverStatus } from '../failover/controller.js';
import type { OpsService } from '../ops/ops-service.js';
import { fieldGuard } from './auth.js';
import type { ControlPlaneReplicaView } from '../replica-status.js';
import { redactRecord, redactSummary } from './redact.js';
import { statusOf } from './status.js';

const Reason = { type: 'string', minLength: 3, maxLength: 500 } as const;
const Version = { type: 'integer', minimum: 1 } as const;
/** Promote new leaders even when they may lack acknowledged writes: audited, and the answer says how many may be lost. */
export const ForceUnclean = { type: 'boolean', default: false } as const;

/** Bodies and queries of the config routes, checked by fastify before a handler runs. */
export const ConfigBodies = {
  document: { type: 'object', required: ['document'], properties: { document: {} } },
  apply: {
    type: 'object',
    required: ['document', 'baseVersion', 'reason'],
    properties: { document: {}, baseVersion: { type: 'integer', minimum: 0 }, reason: Reason, forceUnclean: ForceUnclean },
  },
  rollback: {
    type: 'object',
    required: ['to', 'baseVersion', 'reason'],
    properties: { to: Version, baseVersion: { type: 'integer', minimum: 0 }, reason: Reason, forceUnclean: ForceUnclean },
  },
} as const;

/** The leader changes of a stored version, as apply and rollback answer them. */
function leaderFacts(record: VersionRecord) {
  return record.leaderChanges ? { leaderChanges: record.leaderChanges, forced: record.forced === true } : {};
}

/**
 * Refuses (413) a document past the limits of document-limits.ts before
 * anything walks it: cloning, diffing and validating are recursive.
 */
export function checkDocumentLimits(document: unknown): void {
  const problem = documentLimitProblem(document);
  if (problem) {
    throw ControlPlaneErrors.create('SETGATE_CP_DOCUMENT_TOO_LARGE', {
      detail: `${problem.path || '/'}: ${problem.message}`,
      extensions: { problems: [problem] },
    });
  }
}

const notFound = (v: number) => ControlPlaneErrors.create('SETGATE_CP_VERSION_NOT_FOUND', { detail: `version ${v} does not exist` });

/** Read, validate, diff, apply, rollback and history of the topology document. */
export function configRoutes(
  app: FastifyInstance,
  service: ConfigService,
  watchTimeoutMs: number,
  failover?: { status(): FailoverStatus },
  controlPlaneStatus?: () => Promise<ControlPlaneReplicaView>,
  /** Apply and rollback through the leader-change protocol (ops-service.ts); absent: only changes that move no leader pass. */
  ops?: Pick<OpsService, 'applyDocument' | 'rollback'>,
): void {
  const viewer = { config: { role: 'viewer' as const } };
  const operator = { config: { role: 'operator' as const } };

  app.get('/v1/config', viewer, async (_req, reply) => {
    const { record } = await service.current();
    reply.header(Header.configVersion, String(record.version));
    return redactRecord(record);
  });

  app.get<{ Params: { version: number } }>(
    '/v1/config/versions/:version',
    { ...viewer, schema: { params: { type: 'object', properties: { version: Version } } } },
    async (req) => {
      const record = await service.store.get(req.params.version);
      if (!record) throw notFound(req.params.version);
      return redactRecord(record);
    },
  );

  app.get<{ Querystring: { limit?: number; before?: number } }>(
    '/v1/config/history',
    {
      ...viewer,
      schema: { querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 }, before: Version } } },
    },
    async (req) => ({ versions: (await service.store.history(req.query.limit ?? 20, req.query.before)).map(redactSummary) }),
  );

  app.post<{ Body: { document: unknown } }>('/v1/config/validate', { ...viewer, schema: { body: ConfigBodies.document } }, async (req) => {
    checkDocumentLimits(req.body.document);
    const dry = await service.dryRun(req.body.document);
    if (!dry.ok) return { valid: false, problems: dry.problems };
    return { valid: true, baseVersion: dry.baseVersion, changes: dry.comparison.changes, impact: dry.comparison.impact };
  });

  app.post<{ Body: { document: unknown } }>('/v1/config/diff', { ...viewer, schema: { body: ConfigBodies.document } }, async (req) => {
    checkDocumentLimits(req.body.document);
    const dry = await service.dryRun(req.body.document);
    if (!dry.ok) {
      throw ControlPlaneErrors.create('SETGATE_CP_INVALID_DOCUMENT', { detail: 'the document does not validate', extensions: { problems: dry.problems } });
    }
    return { baseVersion: dry.baseVersion, changes: dry.comparison.changes, impact: dry.comparison.impact };
  });

  app.get<{ Querystring: { from: number; to: number } }>(
    '/v1/config/diff',
    { ...viewer, schema: { querystring: { type: 'object', required: ['from', 'to'], properties: { from: Version, to: Version } } } },
    async (req) => {
      const [a, b] = await Promise.all([service.store.get(req.query.from), service.store.get(req.query.to)]);
      if (!a) throw notFound(req.query.from);
      if (!b) throw notFound(req.query.to);
      const [ta, tb] = [validateTopology(a.document), validateTopology(b.document)];
      if (!ta.ok || !tb.ok) throw ControlPlaneErrors.create('SETGATE_CP_STORE_UNAVAILABLE', { detail: 'a stored version no longer validates' });
      const c = compareTopologies(ta.topology, tb.topology);
      return { from: a.version, to: b.version, changes: c.changes, impact: c.impact };
    },
  );

  app.post<{ Body: { document: unknown; baseVersion: number; reason: string; forceUnclean?: boolean } }>(
    '/v1/config/apply',
    { ...operator, schema: { body: ConfigBodies.apply } },
    async (req, reply) => {
      checkDocumentLimits(req.body.document);
      const change = {
        baseVersion: req.body.baseVersion,
        reason: req.body.reason,
        author: req.principal?.name ?? 'unknown',
        ...(req.principal ? { role: req.principal.role } : {}),
        guard: fieldGuard(req),
        force: req.body.forceUnclean === true,
      };
      const { record, comparison } = ops
        ? await ops.applyDocument(req.body.document, change)
        : await service.apply({ ...change, document: req.body.document, action: { kind: 'apply' } });
      req.log.info(
        { audit: true, version: record.version, author: record.author, role: record.role, reason: record.reason, forced: record.forced === true, leaderChanges: record.leaderChanges },
        'config applied',
      );
      return reply.code(201).send({ version: record.version, changes: comparison.changes, impact: comparison.impact, ...leaderFacts(record) });
    },
  );

  app.post<{ Body: { to: number; baseVersion: number; reason: string; forceUnclean?: boolean } }>(
    '/v1/config/rollback',
    { ...operator, schema: { body: ConfigBodies.rollback } },
    async (req, reply) => {
      const change = {
        baseVersion: req.body.baseVersion,
        reason: req.body.reason,
        author: req.principal?.name ?? 'unknown',
        ...(req.principal ? { role: req.principal.role } : {}),
        guard: fieldGuard(req),
        force: req.body.forceUnclean === true,
      };
      const { record, comparison } = ops ? await ops.rollback(req.body.to, change) : await service.rollback(req.body.to, change);
      req.log.info(
        { audit: true, version: record.version, rollbackTo: req.body.to, author: record.author, role: record.role, forced: record.forced === true, leaderChanges: record.leaderChanges },
        'config rolled back',
      );
      return reply.code(201).send({ version: record.version, changes: comparison.changes, impact: comparison.impact, ...leaderFacts(record) });
    },
  );

  app.get<{ Querystring: { after: number; timeoutMs?: number } }>(
    '/v1/config/watch',
    {
      ...viewer,
      schema: {
        querystring: {
          type: 'object',
          required: ['after'],
          properties: { after: { type: 'integer', minimum: 0 }, timeoutMs: { type: 'integer', minimum: 0, maximum: 120000 } },
        },
      },
    },
    async (req, reply) => {
      const record = await service.waitForChange(req.query.after, Math.min(req.query.timeoutMs ?? watchTimeoutMs, watchTimeoutMs), clientGoneSignal(reply));
      if (!record) return reply.code(204).send();
      reply.header(Header.configVersion, String(record.version));
      return redactRecord(record);
    },
  );

  app.get('/v1/status', viewer, async () => {
    const { topology } = await service.current();
    const store = topology.controlPlane?.store.kind ?? 'file';
    return {
      ...statusOf(topology),
      ...(failover ? { failoverController: failover.status() } : {}),
      uncleanPromotions: service.losses.view(),
      controlPlane: controlPlaneStatus ? await controlPlaneStatus() : { store, ha: false, replica: topology.controlPlane?.id ?? 'control-plane' },
    };
  });
}
