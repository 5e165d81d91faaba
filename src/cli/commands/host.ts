/** `vmgate host|datacenter|cluster|datastore list`, `host info`, `datastore add|rm|ls|upload|download`: the inventory around the VMs. */
import { Command } from 'commander';
import { clientAction } from '../client-command.ts';
import { formatBytes } from '../table.ts';
import { datastoreAddCommand, datastoreDownloadCommand, datastoreLsCommand, datastoreRmCommand, datastoreUploadCommand, hostInfoCommand } from './datastore-files.ts';

export function hostCommand(): Command {
  const host = new Command('host').description('hypervisor hosts');
  host.addCommand(
    clientAction(new Command('list').description('list hosts'), async ({ client, out }) => {
      const hosts = await client.host.list();
      out.table(hosts, [
        { header: 'HOST', value: (h) => h.host },
        { header: 'NAME', value: (h) => h.name },
        { header: 'CONNECTION', value: (h) => h.connection_state.toLowerCase().replace(/_/g, ' ') },
        { header: 'POWER', value: (h) => h.power_state?.toLowerCase().replace(/_/g, ' ') },
      ]);
    }),
  );
  host.addCommand(hostInfoCommand());
  return host;
}

export function datacenterCommand(): Command {
  const dc = new Command('datacenter').description('datacenters');
  dc.addCommand(
    clientAction(new Command('list').description('list datacenters'), async ({ client, out }) => {
      const rows = await client.datacenter.list();
      out.table(rows, [
        { header: 'DATACENTER', value: (d) => d.datacenter },
        { header: 'NAME', value: (d) => d.name },
      ]);
    }),
  );
  return dc;
}

export function clusterCommand(): Command {
  const cluster = new Command('cluster').description('clusters of hosts');
  cluster.addCommand(
    clientAction(new Command('list').description('list clusters'), async ({ client, out }) => {
      const rows = await client.cluster.list();
      out.table(rows, [
        { header: 'CLUSTER', value: (c) => c.cluster },
        { header: 'NAME', value: (c) => c.name },
        { header: 'HA', value: (c) => (c.ha_enabled ? 'on' : 'off') },
        { header: 'DRS', value: (c) => (c.drs_enabled ? 'on' : 'off') },
      ]);
    }),
  );
  return cluster;
}

export function datastoreCommand(): Command {
  const ds = new Command('datastore').description('datastores');
  ds.addCommand(
    clientAction(new Command('list').description('list datastores'), async ({ client, out }) => {
      const rows = await client.datastore.list();
      out.table(rows, [
        { header: 'DATASTORE', value: (d) => d.datastore },
        { header: 'NAME', value: (d) => d.name },
        { header: 'TYPE', value: (d) => d.type },
        { header: 'CAPACITY', value: (d) => formatBytes(d.capacity), align: 'right' },
        { header: 'FREE', value: (d) => formatBytes(d.free_space), align: 'right' },
      ]);
    }),
  );
  ds.addCommand(datastoreAddCommand());
  ds.addCommand(datastoreRmCommand());
  ds.addCommand(datastoreLsCommand());
  ds.addCommand(datastoreUploadCommand());
  ds.addCommand(datastoreDownloadCommand());
  return ds;
}
