import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Face, FaceDeps } from '../face.ts';
import { HIGHEST_VERSION, REPLY_NAMES, parseBrokerRequest, renderBroker, renderEnvelopeError } from '../../protocols/view/index.ts';
import type { XmlNode } from '../../protocols/view/index.ts';
import type { BrokerConfig, BrokerState, OpEnv, OpOutcome } from './ops.ts';
import { DEFAULT_DOMAIN, renderOutcome, runOperation } from './ops.ts';
import { PreLoginStore, SESSION_COOKIE, isPreLoginId, readCookie, setCookie } from './session.ts';

/** The largest request body read (larger: a protocol error, 413). */
export const BODY_LIMIT = 2 * 1024 * 1024;
const XML_TYPE = 'text/xml;charset=UTF-8';

/**
 * The VMware View client protocol: `POST /broker/xml`, batched XML operations over a
 * cookie session, in front of core's desktop pools (docs/faces/view.md).
 */
export const viewFace: Face = {
  name: 'view',
  title: 'VMware View broker',
  start(deps) {
    const preLogins = new PreLoginStore(() => deps.core.now().getTime());
    const domains = deps.settings?.viewDomains ?? [];
    const config: BrokerConfig = { domains: domains.length > 0 ? domains : [DEFAULT_DOMAIN], disclaimer: deps.settings?.viewDisclaimer ?? null };
    return {
      http: [{ prefix: '/broker', note: '(XML, POST /broker/xml)', register: (scope) => registerBroker(scope, deps, config, preLogins) }],
    };
  },
};

async function registerBroker(app: FastifyInstance, deps: FaceDeps, config: BrokerConfig, preLogins: PreLoginStore): Promise<void> {
  // Clients send the XML as text/xml, application/xml or even form-encoded: the body is read raw whatever the type says.
  // A Content-Type fastify cannot even parse (`bogus`, `text/xml; charset`) must not
  // answer 415 either: every body is read as one opaque type.
  app.addHook('onRequest', async (req) => {
    if (req.headers['content-type'] !== undefined) req.headers['content-type'] = 'application/octet-stream';
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) deps.log.error({ err }, 'View broker face error');
    const message = status === 413 ? `the request body is larger than ${BODY_LIMIT} bytes` : status === 500 ? 'internal error' : err.message;
    return sendXml(reply, status, renderEnvelopeError(null, { code: 'PROTOCOL_ERROR', message }));
  });
  app.setNotFoundHandler((req, reply) => sendXml(reply, 404, renderEnvelopeError(null, { code: 'PROTOCOL_ERROR', message: `nothing here: ${req.method} ${req.url.split('?')[0]!.slice(0, 200)}; the broker is POST /broker/xml` })));
  app.post('/xml', { bodyLimit: BODY_LIMIT }, (req, reply) => handleXml(req, reply, deps, config, preLogins));
}

function sendXml(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).header('content-type', XML_TYPE).send(body);
}

async function handleXml(req: FastifyRequest, reply: FastifyReply, deps: FaceDeps, config: BrokerConfig, preLogins: PreLoginStore): Promise<FastifyReply> {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const parsed = parseBrokerRequest(raw.toString('utf8'));
  if (!parsed.ok) return sendXml(reply, 200, renderEnvelopeError(parsed.version, parsed.problem));
  const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
  const state = await resolveSession(req, deps, preLogins, secure);
  const env: OpEnv = { core: deps.core, log: deps.log, config, preLogins, state, secure, source: req.ip };
  const out: XmlNode[] = [];
  let halted = false;
  for (const op of parsed.request.operations) {
    const replyName = REPLY_NAMES.get(op.name) ?? op.name;
    if (halted) {
      out.push(renderOutcome(replyName, 'notexecuted'));
      continue;
    }
    const o: OpOutcome = await runOperation(op.name, op, env);
    if (o.halt) halted = true;
    out.push(renderOutcome(replyName, o));
  }
  if (state.setCookies.length > 0) void reply.header('set-cookie', state.setCookies);
  return sendXml(reply, 200, renderBroker(parsed.request.version ?? HIGHEST_VERSION, out));
}

/**
 * The request's broker session: a logged-in one (the cookie is core's token and core
 * accepts it), else a pre-login one (made, and its cookie set, when the request has none).
 */
async function resolveSession(req: FastifyRequest, deps: FaceDeps, preLogins: PreLoginStore, secure: boolean): Promise<BrokerState> {
  const state: BrokerState = { auth: null, authProblem: null, pre: null, setCookies: [] };
  const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
  if (cookie && isPreLoginId(cookie)) {
    const entry = preLogins.get(cookie);
    if (entry) state.pre = { id: cookie, entry };
  } else if (cookie) {
    try {
      const { caller, session } = await deps.core.identity.authenticate(cookie);
      state.auth = { token: cookie, caller, session };
    } catch (e) {
      state.authProblem = e instanceof Error ? e.message : 'the session is not valid: log in again';
    }
  }
  if (!state.auth && !state.pre) {
    const fresh = preLogins.create();
    state.pre = fresh;
    state.setCookies.push(setCookie(SESSION_COOKIE, fresh.id, { secure }));
  }
  return state;
}
