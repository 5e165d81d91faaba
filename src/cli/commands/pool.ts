/**
 * `vmgate pool list|get|create|entitle|delete|app`: desktop pools (com.vmgate.pools), who
 * may use them, and the applications published on application pools.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { Command, Option } from 'commander';
import type { VmgatePoolProtocol } from '../../clients/vapi/index.ts';
import { describeError, reportError, usageError } from '../cli-error.ts';
import { clientAction } from '../client-command.ts';
import { collect } from '../options.ts';
import { resolveVms } from '../resolve-vm.ts';

const PROTOCOLS: readonly VmgatePoolProtocol[] = ['VNC', 'RDP', 'BLAST', 'PCOIP'];

export function poolCommand(): Command {
  const pool = new Command('pool').description('desktop pools');
  pool.addCommand(listCommand());
  pool.addCommand(getCommand());
  pool.addCommand(createCommand());
  pool.addCommand(entitleCommand());
  pool.addCommand(deleteCommand());
  pool.addCommand(appCommand());
  return pool;
}

function listCommand(): Command {
  return clientAction(new Command('list').description('list desktop pools'), async ({ client, out }) => {
    const rows = await client.vmgate.pools.list();
    out.table(rows, [
      { header: 'POOL', value: (p) => p.pool },
      { header: 'NAME', value: (p) => p.name },
      { header: 'DISPLAY NAME', value: (p) => p.display_name },
      { header: 'TYPE', value: (p) => p.type.toLowerCase() },
      { header: 'ENABLED', value: (p) => (p.enabled ? 'yes' : 'no') },
      { header: 'VMS', value: (p) => p.vm_count, align: 'right' },
    ]);
  });
}

function getCommand(): Command {
  const cmd = new Command('get').description('show a pool and its entitlements').argument('<pool>', 'pool id or name');
  return clientAction(cmd, async ({ client, out }, [ref]) => {
    const api = client.vmgate.pools;
    const p = await api.get(ref as string);
    const entitlements = await api.entitlements.list(p.pool);
    out.details(
      [
        ['Pool', p.pool],
        ['Name', p.name],
        ['Display name', p.display_name],
        ['Type', p.type.toLowerCase()],
        ['Enabled', p.enabled ? 'yes' : 'no'],
        ['VMs', p.vms.join(', ') || 'none'],
        ['Protocols', `${p.protocols.join(', ')} (default ${p.default_protocol})`],
        ['Reset allowed', p.reset_allowed ? 'yes' : 'no'],
        ['Entitled', entitlements.map((e) => e.principal).join(', ') || 'nobody'],
        ['Created', p.created],
      ],
      { ...p, entitlements },
    );
  });
}

interface CreateOptions {
  readonly type: 'dedicated' | 'floating' | 'application';
  readonly displayName?: string;
  readonly vm?: string[];
  readonly protocol?: string[];
}

function createCommand(): Command {
  const cmd = new Command('create')
    .description('create a desktop pool')
    .argument('<name>', 'pool name')
    .addOption(new Option('--type <type>', 'dedicated: a user keeps a desktop; floating: any free one; application: one shared VM offering published applications').choices(['dedicated', 'floating', 'application']).makeOptionMandatory())
    .option('--display-name <text>', 'name users see')
    .option('--vm <vm>', 'desktop VM id or name (repeatable)', collect)
    .option('--protocol <protocol>', 'VNC | RDP | BLAST | PCOIP (repeatable; the first is the default)', collect);
  return clientAction<CreateOptions>(cmd, async ({ client, out }, [name], opts) => {
    const protocols = opts.protocol?.map((p) => {
      const v = p.toUpperCase() as VmgatePoolProtocol;
      if (!PROTOCOLS.includes(v)) throw usageError(`--protocol '${p}': use ${PROTOCOLS.join(', ')}`);
      return v;
    });
    const vms = opts.vm === undefined ? undefined : (await resolveVms(client, opts.vm)).map((v) => v.id);
    const id = await client.vmgate.pools.create({
      name: name as string,
      type: opts.type === 'dedicated' ? 'DEDICATED' : opts.type === 'floating' ? 'FLOATING' : 'APPLICATION',
      ...(opts.displayName ? { display_name: opts.displayName } : {}),
      ...(vms ? { vms } : {}),
      ...(protocols ? { protocols } : {}),
    });
    out.result(`created ${id} (${name as string})`, id);
  });
}

function entitleCommand(): Command {
  const cmd = new Command('entitle')
    .description('let users or groups use a pool (user:<name>, group:<name>; a bare name is a user)')
    .argument('<pool>', 'pool id or name')
    .argument('<principal...>', 'users and groups')
    .option('--remove', 'take the entitlements away instead');
  return clientAction<{ remove?: boolean }>(cmd, async ({ client, out }, [pool, principals], opts) => {
    const api = client.vmgate.pools.entitlements;
    const rows: { principal: string; entitlement?: string; ok: boolean; error?: { error_type: string; message: string } }[] = [];
    let exit = 0;
    for (const p of principals as string[]) {
      try {
        if (opts.remove) await api.remove(pool as string, p);
        const entitlement = opts.remove ? undefined : await api.add(pool as string, p);
        rows.push({ principal: p, ok: true, ...(entitlement ? { entitlement } : {}) });
        if (!out.json) out.write(opts.remove ? `${p} may no longer use ${pool as string}\n` : `${p} may use ${pool as string} (${entitlement})\n`);
      } catch (e) {
        const d = describeError(e);
        rows.push({ principal: p, ok: false, error: { error_type: d.errorType, message: d.message } });
        exit = Math.max(exit, reportError(e, p));
      }
    }
    if (out.json) out.printJson(rows);
    return exit;
  });
}

function deleteCommand(): Command {
  const cmd = new Command('delete').description('delete a desktop pool (its VMs stay)').argument('<pool>', 'pool id or name');
  return clientAction(cmd, async ({ client, out }, [ref]) => {
    await client.vmgate.pools.delete(ref as string);
    out.result(`deleted ${ref as string}`, { pool: ref, deleted: true });
  });
}

/** Icon files by extension → the data: URL's media type. A Map: no lookup through a prototype. */
const ICON_TYPES: ReadonlyMap<string, string> = new Map([
  ['.png', 'image/png'],
  ['.gif', 'image/gif'],
  ['.jpg', 'image/jpeg'],
  ['.jpeg', 'image/jpeg'],
  ['.bmp', 'image/bmp'],
  ['.ico', 'image/x-icon'],
]);

async function iconDataUrl(file: string): Promise<string> {
  const type = ICON_TYPES.get(extname(file).toLowerCase());
  if (!type) throw usageError(`--icon '${file}': use a .png, .gif, .jpg, .bmp or .ico file`);
  return `data:${type};base64,${(await readFile(file)).toString('base64')}`;
}

function appCommand(): Command {
  const app = new Command('app').description('applications published on an application pool (com.vmgate.pools.applications)');
  const add = new Command('add')
    .description('publish an application on an application pool')
    .argument('<pool>', 'pool id or name')
    .argument('<name>', 'the name users see')
    .requiredOption('--path <path>', 'the program on the VM')
    .option('--app-version <version>', 'version shown to users')
    .option('--publisher <publisher>', 'publisher shown to users')
    .option('--icon <file>', 'icon file (.png, .gif, .jpg, .bmp, .ico; at most about 48 KiB)');
  app.addCommand(
    clientAction<{ path: string; appVersion?: string; publisher?: string; icon?: string }>(add, async ({ client, out }, [pool, name], opts) => {
      const icon = opts.icon === undefined ? undefined : await iconDataUrl(opts.icon);
      const id = await client.vmgate.pools.applications.create(pool as string, {
        name: name as string,
        path: opts.path,
        ...(opts.appVersion === undefined ? {} : { version: opts.appVersion }),
        ...(opts.publisher === undefined ? {} : { publisher: opts.publisher }),
        ...(icon === undefined ? {} : { icon }),
      });
      out.result(`published ${id} (${name as string}) on ${pool as string}`, id);
    }),
  );
  app.addCommand(
    clientAction(new Command('ls').description("list a pool's published applications").argument('<pool>', 'pool id or name'), async ({ client, out }, [pool]) => {
      const rows = await client.vmgate.pools.applications.list(pool as string);
      out.table(rows, [
        { header: 'APPLICATION', value: (a) => a.application },
        { header: 'NAME', value: (a) => a.name },
        { header: 'VERSION', value: (a) => a.version },
        { header: 'PUBLISHER', value: (a) => a.publisher },
        { header: 'PATH', value: (a) => a.path },
        { header: 'ICON', value: (a) => (a.icon === undefined ? 'no' : 'yes') },
      ]);
    }),
  );
  app.addCommand(
    clientAction(new Command('rm').description('unpublish an application').argument('<pool>', 'pool id or name').argument('<application>', 'application id (app-<n>)'), async ({ client, out }, [pool, application]) => {
      await client.vmgate.pools.applications.delete(pool as string, application as string);
      out.result(`unpublished ${application as string} from ${pool as string}`, { pool, application, deleted: true });
    }),
  );
  return app;
}
