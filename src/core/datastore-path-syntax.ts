/**
 * VMware's datastore path syntax: `[datastore1] folder/vm.vmx` (the name in brackets,
 * one space, the path relative to the datastore's root with forward slashes);
 * `[datastore1]` alone is the root. Pure syntax: confinement lives in src/datastore.
 */
import { invalidArgument } from './errors.ts';

const MODULE = 'datastore';

export interface DatastorePath {
  readonly datastoreName: string;
  /** Relative to the datastore root, '/'-separated; '' for the root. */
  readonly rel: string;
}

/** `[name] rel`, or `[name]` for the root. */
export function formatDatastorePath(datastoreName: string, rel: string): string {
  checkName(datastoreName, datastoreName);
  if (rel.includes('\0')) throw invalidArgument(`datastore path ${JSON.stringify(rel)} contains a NUL byte`, { module: MODULE });
  return rel === '' ? `[${datastoreName}]` : `[${datastoreName}] ${rel}`;
}

/**
 * Splits `[name] rel`. Accepts `[name]rel` and several spaces after the bracket (seen
 * from hand-written tools). Throws invalid_argument for anything else.
 */
export function parseDatastorePath(text: string): DatastorePath {
  const m = /^\[([^\]]*)\][ \t]*(.*)$/s.exec(text);
  if (m === null) {
    throw invalidArgument(`${JSON.stringify(text)} is not a datastore path like "[datastore1] folder/vm.vmx"`, {
      module: MODULE,
    });
  }
  checkName(m[1], text);
  if (m[2].includes('\0')) throw invalidArgument(`datastore path ${JSON.stringify(text)} contains a NUL byte`, { module: MODULE });
  return { datastoreName: m[1], rel: m[2] };
}

function checkName(name: string, text: string): void {
  if (name.trim() === '' || /[[\]\0\r\n]/.test(name)) {
    throw invalidArgument(`${JSON.stringify(text)} has no valid datastore name in brackets`, { module: MODULE });
  }
}

