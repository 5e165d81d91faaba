import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CoreApi, Logger, Task, Vm } from '../../core/index.ts';
import type { LiveSubscription, LiveUpdate } from '../../core/live.ts';
import { encodeRestOutput, renderRestError } from '../../protocols/vapi/codec/index.ts';
import { TasksService, VmgateEventsService } from '../../protocols/vapi/types/index.ts';
import { authenticate, restSecurity } from './auth.ts';
import { toStdError } from './errors.ts';
import { unauthenticated } from '../../core/errors.ts';
import { vapiPowerState } from './handlers/mappings.ts';
import { taskInfo } from './handlers/tasks.ts';
import { eventInfo } from './handlers/vmgate-events.ts';

/** Where the stream is, under the face's `/api` prefix. */
export const EVENT_STREAM_PATH = '/vmgate/events/stream';
/** A comment line this often keeps proxies from closing an idle stream; the session is checked then too. */
export const KEEPALIVE_MS = 15_000;
/** Bytes a client may leave unread before it is disconnected (a client that does not read is not buffered for). */
export const STREAM_BUFFER_LIMIT = 1024 * 1024;

export interface EventStreams {
  register(app: FastifyInstance): void;
  /** Ends every open stream (the server is stopping). */
  stop(): void;
}

/**
 * `GET /api/vmgate/events/stream`: server-sent events of core's live updates for the
 * caller (core.live decides what they may see). Messages: `vm`, `vm-removed`, `task`,
 * `event`, and `session-ended` before the stream ends with its session; a `: keepalive`
 * comment every {@link KEEPALIVE_MS}. Session by the `vmware-api-session-id` header or the
 * web cookie with `X-Vmgate-Web: 1`.
 */
export function createEventStreams(core: CoreApi, log: Logger): EventStreams {
  const open = new Set<() => void>();
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    let sub: LiveSubscription | undefined;
    const body = new PassThrough();
    // A write racing the client's going away is nothing to report (finish() follows).
    body.on('error', () => undefined);
    let timer: NodeJS.Timeout | null = null;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      open.delete(finish);
      if (timer) clearInterval(timer);
      sub?.close();
      body.end();
    };
    const write = (text: string): void => {
      if (finished) return;
      body.write(text);
      // The client is not reading: drop it rather than buffer without end.
      if (body.writableLength + body.readableLength > STREAM_BUFFER_LIMIT) {
        log.warn({ buffered: body.writableLength + body.readableLength }, 'an event stream client does not read: disconnected');
        finish();
        req.raw.socket.destroy();
      }
    };
    try {
      const security = restSecurity(req.headers);
      if (security.scheme !== 'session_id') throw unauthenticated('the event stream needs a session: send the vmware-api-session-id header, or the web session cookie with X-Vmgate-Web: 1', { module: 'face.vapi' });
      const { caller } = await authenticate(core, security, req.ip);
      sub = await core.live.subscribe(caller, (u) => write(render(u)));
    } catch (e) {
      const r = renderRestError(toStdError(e));
      return reply.code(r.status).header('content-type', 'application/json').send(JSON.stringify(r.body));
    }
    const s = sub;
    open.add(finish);
    void s.ended.then((why) => {
      if (why !== 'closed' && why !== 'overflow') write(`event: session-ended\ndata: ${JSON.stringify({ reason: why })}\n\n`);
      finish();
    });
    reply.raw.once('close', finish);
    // The client may have gone while the subscription was being made.
    if (req.raw.destroyed || req.raw.socket.destroyed) finish();
    if (!finished) {
      timer = setInterval(() => {
        write(': keepalive\n\n');
        s.check().catch((e: unknown) => log.warn({ err: e }, 'could not check an event stream’s session'));
      }, KEEPALIVE_MS);
      timer.unref();
    }
    write(': connected\n\n');
    return reply.code(200).header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-store').header('x-accel-buffering', 'no').send(body);
  };
  return {
    register(app) {
      // No HEAD twin: a HEAD request has no stream to wait for.
      app.route({ method: 'GET', url: EVENT_STREAM_PATH, exposeHeadRoute: false, handler });
    },
    stop() {
      for (const f of [...open]) f();
    },
  };
}

/** One update as an SSE message. */
function render(u: LiveUpdate): string {
  switch (u.type) {
    case 'vm':
      return message('vm', vmState(u.vm));
    case 'vm-removed':
      return message('vm-removed', { vm: u.vm.id });
    case 'task':
      return message('task', taskMessage(u.task));
    case 'event':
      return message('event', (encodeRestOutput(VmgateEventsService.operations.list, [eventInfo(u.event)]).body as unknown[])[0]);
  }
}

function message(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A VM's state as the list and get of /api/vcenter/vm spell it. */
function vmState(vm: Vm): Record<string, unknown> {
  return {
    vm: vm.id,
    name: vm.name,
    power_state: vapiPowerState(vm.powerState),
    cpu_count: vm.hardware.cpuCount,
    memory_size_MiB: vm.hardware.memoryMiB,
    tools_run_state: vm.toolsState === 'running' ? 'RUNNING' : 'NOT_RUNNING',
  };
}

/** What GET /api/cis/tasks/{task} answers, plus the task's id. */
function taskMessage(t: Task): Record<string, unknown> {
  return { task: t.id, ...(encodeRestOutput(TasksService.operations.get, taskInfo(t)).body as Record<string, unknown>) };
}
