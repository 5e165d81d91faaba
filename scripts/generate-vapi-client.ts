/**
 * Writes src/clients/vapi/services.generated.ts: the typed methods of VapiClient
 * (`client.vm.list(filter)`, `client.guest.files.move(vm, credentials, path, newPath)`, …),
 * one per operation of the registry in src/protocols/vapi/types.
 *
 * Each method takes the operation's input fields as parameters in the registry's order
 * (camelCased), then `options`. Several optional fields at the end become one object of
 * those fields (`files.list(vm, credentials, path, { iteration, filter })`). An operation
 * with a `$task` twin takes `{ task: true }` in its options to start it as a task.
 *
 * Run `node --import tsx scripts/generate-vapi-client.ts` after changing the registry;
 * test/clients/vapi/generated-services.test.ts fails while the file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as registry from '../src/protocols/vapi/types/index.ts';
import type { OperationDef, ServiceDef } from '../src/protocols/vapi/types/index.ts';

/** Where each service sits on the client: path → the registry's export. */
const NAMESPACES: readonly (readonly [path: string, service: string])[] = [
  ['session', 'SessionService'],
  ['vm', 'VMService'],
  ['power', 'VmPowerService'],
  ['hardware', 'VmHardwareService'],
  ['guest.processes', 'VmGuestProcessesService'],
  ['guest.files', 'VmGuestFilesystemFilesService'],
  ['guest.directories', 'VmGuestFilesystemDirectoriesService'],
  ['guest.transfers', 'VmGuestFilesystemTransfersService'],
  ['guest.identity', 'VmGuestIdentityService'],
  ['guest.power', 'VmGuestPowerService'],
  ['console.tickets', 'VmConsoleTicketsService'],
  ['guest.networking.interfaces', 'VmGuestNetworkingInterfacesService'],
  ['host', 'HostService'],
  ['datacenter', 'DatacenterService'],
  ['cluster', 'ClusterService'],
  ['datastore', 'DatastoreService'],
  ['network', 'NetworkService'],
  ['folder', 'FolderService'],
  ['resourcePool', 'ResourcePoolService'],
  ['tasks', 'TasksService'],
  ['vmgate.snapshots', 'VmgateSnapshotsService'],
  ['vmgate.guest', 'VmgateGuestProgramsService'],
  ['vmgate.users', 'VmgateUsersService'],
  ['vmgate.groups', 'VmgateGroupsService'],
  ['vmgate.roles', 'VmgateRolesService'],
  ['vmgate.permissions', 'VmgatePermissionsService'],
  ['vmgate.pools', 'VmgatePoolsService'],
  ['vmgate.pools.entitlements', 'VmgatePoolEntitlementsService'],
  ['vmgate.pools.applications', 'VmgatePoolApplicationsService'],
  ['vmgate.events', 'VmgateEventsService'],
  ['vmgate.datastores', 'VmgateDatastoresService'],
  ['vmgate.hosts', 'VmgateHostsService'],
  ['vmgate.console', 'VmgateConsoleService'],
  ['vmgate.session', 'VmgateSessionService'],
  ['vmgate.vmStats', 'VmgateVmStatsService'],
  ['vmgate.hosts.stats', 'VmgateHostStatsService'],
  ['vmgate.desktops', 'VmgateDesktopsService'],
];

/** Operations the client does not expose as methods: VapiClient.login / logout make and end sessions. */
const LEFT_OUT = new Set(['com.vmware.cis.session create', 'com.vmware.cis.session delete']);

export const GENERATED_FILE = fileURLToPath(new URL('../src/clients/vapi/services.generated.ts', import.meta.url));

const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

interface Node {
  readonly methods: string[];
  readonly children: Map<string, Node>;
}

function serviceOf(name: string): ServiceDef {
  const svc = (registry as unknown as Record<string, ServiceDef | undefined>)[name];
  if (!svc?.operations) throw new Error(`the registry exports no service ${name}`);
  return svc;
}

/** One method (lines without indentation) for `operationId` of the service exported as `name`. */
function method(name: string, svc: ServiceDef, operationId: string, op: OperationDef): string[] {
  const fields = Object.entries(op.input.fields).map(([field, type]) => ({ field, optional: type.kind === 'optional' }));
  let positional = fields.length;
  while (positional > 0 && fields[positional - 1].optional) positional--;
  const trailing = fields.length - positional;
  const grouped = trailing >= 2; // several optional fields at the end: one object
  const lastRequired = positional;
  const In = (f: string): string => `In<typeof ${name}, '${operationId}'>['${f}']`;
  const params: string[] = [];
  const input: string[] = [];
  fields.forEach(({ field, optional }, i) => {
    if (grouped && i >= positional) return;
    const p = camel(field);
    // An optional field before a required one stays a parameter of its own (it may be undefined).
    params.push(optional && i >= lastRequired ? `${p}?: ${In(field)}` : `${p}: ${In(field)}`);
    input.push(p === field ? field : `${field}: ${p}`);
  });
  let inputExpr: string;
  if (grouped) {
    const names = fields.slice(positional).map((f) => `'${f.field}'`).join(' | ');
    params.push(`more: Pick<In<typeof ${name}, '${operationId}'>, ${names}> = {}`);
    inputExpr = input.length === 0 ? 'defined({ ...more })' : `defined({ ${input.join(', ')}, ...more })`;
  } else {
    inputExpr = fields.some((f) => f.optional) ? `defined({ ${input.join(', ')} })` : `{ ${input.join(', ')} }`;
    if (input.length === 0) inputExpr = '{}';
  }
  const key = camel(operationId);
  const taskTwin = `${operationId}$task`;
  if (!Object.hasOwn(svc.operations, taskTwin)) {
    return [`${key}: (${[...params, 'options?: CallOptions'].join(', ')}) => call(${name}, '${operationId}', ${inputExpr}, options),`];
  }
  // Overloads: optional parameters stay optional before optional options, but not before `{ task: true }`.
  const sig = (optional: boolean): string => {
    const ps = params.map((p) => p.replace(/ = \{\}$/, ''));
    const list = optional ? ps.map((p) => p.replace(/^more:/, 'more?:')) : ps.map((p) => p.replace(/^(\w+)\?: (.*)$/, '$1: $2').replace(/^more: (.*)$/, 'more: $1 | undefined'));
    return list.length === 0 ? '' : `${list.join(', ')}, `;
  };
  return [
    `/** With \`{ task: true }\`: starts it as a task and returns the task's id. */`,
    `${key}: ((${[...params, 'options: TaskOption = {}'].join(', ')}) =>`,
    `  options.task === true ? call(${name}, '${taskTwin}', ${inputExpr}, options) : call(${name}, '${operationId}', ${inputExpr}, options)) as {`,
    `  (${sig(true)}options?: CallOptions & { readonly task?: false }): Promise<Out<typeof ${name}, '${operationId}'>>;`,
    `  (${sig(false)}options: CallOptions & { readonly task: true }): Promise<Out<typeof ${name}, '${taskTwin}'>>;`,
    `},`,
  ];
}

function render(node: Node, indent: string): string[] {
  const out: string[] = [];
  for (const m of node.methods) out.push(...m.split('\n').map((l) => `${indent}${l}`));
  for (const [key, child] of node.children) {
    out.push(`${indent}${key}: {`, ...render(child, `${indent}  `), `${indent}},`);
  }
  return out;
}

/** The text of services.generated.ts. */
export function renderVapiServices(): string {
  const root: Node = { methods: [], children: new Map() };
  const used: string[] = [];
  for (const [path, name] of NAMESPACES) {
    const svc = serviceOf(name);
    used.push(name);
    let node = root;
    for (const part of path.split('.')) {
      let next = node.children.get(part);
      if (!next) {
        next = { methods: [], children: new Map() };
        node.children.set(part, next);
      }
      node = next;
    }
    for (const [operationId, op] of Object.entries(svc.operations)) {
      if (operationId.endsWith('$task') || LEFT_OUT.has(`${svc.id} ${operationId}`)) continue;
      node.methods.push(method(name, svc, operationId, op).join('\n'));
    }
  }
  const missing = registry.SERVICE_LIST.filter((s) => !used.some((n) => serviceOf(n) === s)).map((s) => s.id);
  if (missing.length > 0) throw new Error(`services without a place on the client (add them to NAMESPACES): ${missing.join(', ')}`);
  return [
    '// Generated by scripts/generate-vapi-client.ts from the registry in src/protocols/vapi/types.',
    '// Do not edit: change the registry (or the script) and run',
    '//   node --import tsx scripts/generate-vapi-client.ts',
    "import type { InputOf, OutputOf, ServiceDef } from '../../protocols/vapi/types/operation.ts';",
    'import {',
    ...[...used].sort().map((n) => `  ${n},`),
    "} from '../../protocols/vapi/types/index.ts';",
    "import type { CallOptions, TaskOption, VapiCaller } from './call-options.ts';",
    '',
    "type In<S extends ServiceDef, K extends keyof S['operations']> = InputOf<S['operations'][K]>;",
    "type Out<S extends ServiceDef, K extends keyof S['operations']> = OutputOf<S['operations'][K]>;",
    '',
    '/** The input without its undefined fields (an unset optional is absent on the wire). */',
    'function defined<T extends object>(input: T): T {',
    '  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as T;',
    '}',
    '',
    '/** One typed method per operation of the registry, each a `call` of it. */',
    '// Its type is inferred: the registry is the one source of the signatures.',
    'export function vapiServices(call: VapiCaller) {',
    '  return {',
    ...render(root, '    '),
    '  };',
    '}',
    '',
    'export type VapiServices = ReturnType<typeof vapiServices>;',
    '',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(GENERATED_FILE, renderVapiServices());
  console.log(`wrote ${GENERATED_FILE}`);
}
