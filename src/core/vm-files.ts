/**
 * The one place core touches VM files: .vmx text and VM folders on datastores, through
 * src/datastore (confined, atomic) and src/core/vmx (the format).
 */
import { DatastoreFiles } from '../datastore/index.ts';
import type { Datastore } from './model/index.ts';

export function filesOf(ds: Datastore): DatastoreFiles {
  return new DatastoreFiles(ds.path, ds.name);
}
