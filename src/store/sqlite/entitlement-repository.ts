import type { Entitlement } from '../../core/model/index.ts';
import type { EntitlementRepository } from '../../core/ports/store.ts';
import { TableRepository } from './table-repository.ts';
import type { SqlContext } from './sql-context.ts';
import { ENTITLEMENTS } from './tables.ts';

export class SqliteEntitlementRepository extends TableRepository<Entitlement> implements EntitlementRepository {
  constructor(ctx: SqlContext) {
    super(ctx, ENTITLEMENTS);
  }

  listForPool(poolId: string): Promise<Entitlement[]> {
    return this.listWhere('pool_id', poolId);
  }
}
