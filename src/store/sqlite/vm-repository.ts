import { expressionBuilder, sql } from 'kysely';
import type { Expression, SqlBool } from 'kysely';
import type { Vm, VmFilter } from '../../core/model/index.ts';
import { internal, invalidArgument } from '../../core/errors.ts';
import type { VmRepository } from '../../core/ports/store.ts';
import type { AnyDatabase, Db, SqlContext } from './sql-context.ts';
import { NamedTableRepository, selectOrdered } from './table-repository.ts';
import { VMS } from './tables.ts';

/**
 * The filter as SQL conditions (AND of fields, OR inside a field), or null when a field is
 * an empty list: OR over nothing matches nothing. clusterIds / datacenterIds go through
 * the host, so library VMs never match them.
 */
function vmConditions(f: VmFilter): Expression<SqlBool> | null {
  const eb = expressionBuilder<AnyDatabase, 'vms'>();
  const lists: [column: string, values: readonly string[] | undefined][] = [
    ['id', f.ids],
    ['uuid', f.uuids],
    ['name', f.names],
    ['host_id', f.hostIds],
    ['datastore_id', f.datastoreIds],
    ['power_state', f.powerStates],
  ];
  const out: Expression<SqlBool>[] = [];
  for (const [column, values] of lists) {
    if (values === undefined) continue;
    if (values.length === 0) return null;
    out.push(eb(column, 'in', values));
  }
  for (const [column, values] of [
    ['cluster_id', f.clusterIds],
    ['datacenter_id', f.datacenterIds],
  ] as const) {
    if (values === undefined) continue;
    if (values.length === 0) return null;
    out.push(eb('host_id', 'in', eb.selectFrom('hosts').select('id').where(column, 'in', values)));
  }
  if (f.inLibrary === true) out.push(eb('host_id', 'is', null));
  if (f.inLibrary === false) out.push(eb('host_id', 'is not', null));
  return eb.and(out);
}

/**
 * The query behind `vms.query(filter)`, or null when it matches nothing. Exported so that a
 * test can check its plan (index use) against the real SQL.
 */
export function selectVms(db: Db, filter: VmFilter) {
  checkPage(filter);
  const where = vmConditions(filter);
  if (where === null || filter.limit === 0) return null;
  let q = selectOrdered(db, VMS).where(where);
  if (filter.limit !== undefined) q = q.limit(filter.limit);
  // SQLite wants a LIMIT before an OFFSET; -1 is "no limit".
  if (filter.offset !== undefined) q = (filter.limit === undefined ? q.limit(-1) : q).offset(filter.offset);
  return q;
}

/**
 * The sums behind `vms.hostUsage(hostId)`: the VMs of the host that are not powered off.
 * Exported so that a test can check that it reads the partial index vms_host_usage alone.
 */
export function selectHostUsage(db: Db, hostId: string) {
  return db
    .selectFrom('vms')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number>('cpu_count'), eb.lit(0)).as('cpu'),
      eb.fn.coalesce(eb.fn.sum<number>('memory_mib'), eb.lit(0)).as('memory'),
      eb.fn.countAll<number>().as('n'),
    ])
    .where('host_id', '=', hostId)
    // A literal, not a parameter: SQLite uses a partial index only for a WHERE it can see implies the index's.
    .where('power_state', '!=', sql.lit('poweredOff'));
}

function checkPage(f: VmFilter): void {
  for (const [what, n] of [
    ['limit', f.limit],
    ['offset', f.offset],
  ] as const) {
    if (n !== undefined && !(Number.isInteger(n) && n >= 0)) {
      throw invalidArgument(`VM query ${what} must be a whole number ≥ 0, not ${n}`, { module: 'store' });
    }
  }
}

export class SqliteVmRepository extends NamedTableRepository<Vm> implements VmRepository {
  constructor(ctx: SqlContext) {
    super(ctx, VMS);
  }

  getByUuid(uuid: string): Promise<Vm | undefined> {
    return this.first(this.ctx.db, 'uuid', uuid);
  }

  async getByPath(datastoreId: string, vmxRel: string): Promise<Vm | undefined> {
    const vms = await this.rows(
      this.select(this.ctx.db).where('datastore_id', '=', datastoreId).where('vmx_rel', '=', vmxRel).limit(1),
    );
    return vms[0];
  }

  /** In numeric id order; limit/offset page through that order. */
  async query(filter: VmFilter): Promise<Vm[]> {
    const q = selectVms(this.ctx.db, filter);
    return q === null ? [] : this.rows(q);
  }

  /** How many VMs match; limit and offset are ignored (this is the total behind a page). */
  async countBy(filter: VmFilter): Promise<number> {
    const where = vmConditions(filter);
    if (where === null) return 0;
    const r = await this.ctx.db
      .selectFrom('vms')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(where)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async hostUsage(hostId: string): Promise<{ cpuCount: number; memoryMiB: number; vmCount: number }> {
    // Hot (every power-on's admission): kysely's compiled text on a prepared statement.
    const [r] = await this.texts.rows(this.ctx, 'hostUsage', [hostId], (db) => selectHostUsage(db, hostId));
    if (r === undefined) throw internal('the host usage query returned no row', { module: 'store' });
    return { cpuCount: Number(r.cpu), memoryMiB: Number(r.memory), vmCount: Number(r.n) };
  }
}
