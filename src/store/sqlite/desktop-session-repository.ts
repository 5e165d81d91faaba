import type { DesktopSession } from '../../core/model/index.ts';
import type { DesktopSessionRepository } from '../../core/ports/store.ts';
import { TableRepository } from './table-repository.ts';
import type { SqlContext } from './sql-context.ts';
import { DESKTOP_SESSIONS } from './tables.ts';

export class SqliteDesktopSessionRepository
  extends TableRepository<DesktopSession>
  implements DesktopSessionRepository
{
  constructor(ctx: SqlContext) {
    super(ctx, DESKTOP_SESSIONS);
  }

  listForUser(userId: string): Promise<DesktopSession[]> {
    return this.listWhere('user_id', userId);
  }

  listForVm(vmId: string): Promise<DesktopSession[]> {
    return this.listWhere('vm_id', vmId);
  }
}
