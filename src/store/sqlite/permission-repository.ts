import type { Permission } from '../../core/model/index.ts';
import type { PermissionRepository } from '../../core/ports/store.ts';
import { TableRepository } from './table-repository.ts';
import type { SqlContext } from './sql-context.ts';
import { PERMISSIONS } from './tables.ts';

export class SqlitePermissionRepository extends TableRepository<Permission> implements PermissionRepository {
  constructor(ctx: SqlContext) {
    super(ctx, PERMISSIONS);
  }

  listForEntity(entityId: string): Promise<Permission[]> {
    return this.listWhere('entity_id', entityId);
  }

  listForPrincipal(principal: string): Promise<Permission[]> {
    return this.listWhere('principal', principal);
  }
}
