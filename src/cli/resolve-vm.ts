/**
 * A VM (or host, cluster, datastore, datacenter) named on the command line by id
 * (`vm-12`) or by name: names are looked up with the list operation's names filter; no
 * match is NOT_FOUND, several are an error listing their ids.
 */
import type { VapiClient } from '../clients/vapi/index.ts';
import { CliError } from './cli-error.ts';

export interface ResolvedVm {
  readonly id: string;
  /** The name when it was looked up; otherwise undefined. */
  readonly name: string | undefined;
}

const VM_ID = /^vm-\d+$/;

export async function resolveVm(client: VapiClient, ref: string): Promise<ResolvedVm> {
  if (VM_ID.test(ref)) return { id: ref, name: undefined };
  const matches = await client.vm.list({ names: [ref] });
  return { id: pickOne('VM', ref, matches.map((m) => ({ id: m.vm, name: m.name }))), name: ref };
}

/** Several VMs, in order, each resolved once. */
export async function resolveVms(client: VapiClient, refs: readonly string[]): Promise<ResolvedVm[]> {
  const out: ResolvedVm[] = [];
  for (const r of refs) out.push(await resolveVm(client, r));
  return out;
}

export type InventoryKind = 'host' | 'cluster' | 'datastore' | 'datacenter';

const ID_PATTERN: Readonly<Record<InventoryKind, RegExp>> = {
  host: /^host-\d+$/,
  cluster: /^domain-c\d+$/,
  datastore: /^datastore-\d+$/,
  datacenter: /^datacenter-\d+$/,
};

/** A host, cluster, datastore or datacenter id, from an id or a name. */
export async function resolveInventory(client: VapiClient, kind: InventoryKind, ref: string): Promise<string> {
  if (ID_PATTERN[kind].test(ref)) return ref;
  const names = [ref];
  let found: { id: string; name: string }[];
  switch (kind) {
    case 'host':
      found = (await client.host.list({ names })).map((h) => ({ id: h.host, name: h.name }));
      break;
    case 'cluster':
      found = (await client.cluster.list({ names })).map((c) => ({ id: c.cluster, name: c.name }));
      break;
    case 'datastore':
      found = (await client.datastore.list({ names })).map((d) => ({ id: d.datastore, name: d.name }));
      break;
    case 'datacenter':
      found = (await client.datacenter.list({ names })).map((d) => ({ id: d.datacenter, name: d.name }));
      break;
  }
  return pickOne(kind, ref, found);
}

/** Several of one kind. */
export async function resolveInventoryAll(client: VapiClient, kind: InventoryKind, refs: readonly string[] | undefined): Promise<string[] | undefined> {
  if (refs === undefined || refs.length === 0) return undefined;
  const out: string[] = [];
  for (const r of refs) out.push(await resolveInventory(client, kind, r));
  return out;
}

function pickOne(kind: string, ref: string, matches: readonly { id: string; name: string }[]): string {
  // The names filter matches exactly; guard anyway against a server that matches loosely.
  const exact = matches.filter((m) => m.name === ref);
  if (exact.length === 1) return exact[0]!.id;
  if (exact.length === 0) throw new CliError('NOT_FOUND', `no ${kind} is named '${ref}'`);
  throw new CliError('INVALID_ARGUMENT', `${exact.length} ${kind}s are named '${ref}': ${exact.map((m) => m.id).join(', ')}; name one by its id`);
}
