/** `vmgate pool list|get|create|entitle|delete`: desktop pools (com.vmgate.pools) and who may use them. */
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
  readonly type: 'dedicated' | 'floating';
  readonly displayName?: string;
  readonly vm?: string[];
  readonly protocol?: string[];
}

function createCommand(): Command {
  const cmd = new Command('create')
    .description('create a desktop pool')
    .argument('<name>', 'pool name')
    .addOption(new Option('--type <type>', 'dedicated: a user keeps a desktop; floating: any free one').choices(['dedicated', 'floating']).makeOptionMandatory())
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
      type: opts.type === 'dedicated' ? 'DEDICATED' : 'FLOATING',
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
