/**
 * Every schema migration, in order. Names sort in the order they apply ('0002-…' after
 * '0001-…'); an applied migration is never edited, only followed by a new one.
 */
import type { Migration, MigrationProvider } from 'kysely';
import { initial } from './0001-initial.ts';
import { loginHardening } from './0002-login-hardening.ts';
import { userMustChangePassword } from './0003-user-must-change-password.ts';
import { hostUsageIndex } from './0004-host-usage-index.ts';
import { applicationIcons } from './0005-application-icons.ts';

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-login-hardening': loginHardening,
  '0003-user-must-change-password': userMustChangePassword,
  '0004-host-usage-index': hostUsageIndex,
  '0005-application-icons': applicationIcons,
};

/** Name of the latest migration: the schema version a store opened by this code has. */
export const SCHEMA_VERSION = Object.keys(MIGRATIONS).sort().at(-1) as string;

/** Kysely's Migrator reads migrations from here instead of from files on disk. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...MIGRATIONS }),
};
