import type { PublishedApplication } from '../../../core/model/index.ts';
import { implement } from '../call.ts';
import type { VmgateApplicationInfo } from '../../../protocols/vapi/types/index.ts';
import { VmgatePoolApplicationsService } from '../../../protocols/vapi/types/index.ts';

function applicationInfo(a: PublishedApplication): VmgateApplicationInfo {
  return { application: a.id, name: a.name, path: a.path, version: a.version, publisher: a.publisher, ...(a.icon === null ? {} : { icon: a.icon }), created: a.createdAt };
}

/** com.vmgate.pools.applications → core.vdi (published applications). */
export const vmgatePoolApplicationsHandlers = implement(VmgatePoolApplicationsService, {
  async list(call, { pool }) {
    return (await call.core.vdi.listApplications(call.caller, pool)).map(applicationInfo);
  },
  async create(call, { pool, spec }) {
    const a = await call.core.vdi.publishApplication(call.caller, pool, {
      name: spec.name,
      path: spec.path,
      ...(spec.version === undefined ? {} : { version: spec.version }),
      ...(spec.publisher === undefined ? {} : { publisher: spec.publisher }),
      ...(spec.icon === undefined ? {} : { icon: spec.icon }),
    });
    return a.id;
  },
  async delete(call, { pool, application }) {
    await call.core.vdi.unpublishApplication(call.caller, pool, application);
    return undefined;
  },
});
