/**
 * hostUsage (the load a power-on is admitted against) read every VM row of the host to sum
 * the ones not powered off: with 1,000 VMs on a host that was most of a power-on's SQL.
 * A partial index of the VMs that are not powered off, holding the summed columns: the sum
 * reads only those entries, never a row.
 */
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';

export const hostUsageIndex: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`create index vms_host_usage on vms (host_id, cpu_count, memory_mib, power_state) where power_state != 'poweredOff'`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop index vms_host_usage`.execute(db);
  },
};
