export { formatDatastorePath, parseDatastorePath, normalizeRel, resolveInside, resolveInsideAsync } from './datastore-path.ts';
export type { DatastorePath, ResolveOptions } from './datastore-path.ts';
export { writeFileAtomic, syncDir, TEMP_MARKER } from './atomic-write.ts';
export type { AtomicData, AtomicWriteOptions } from './atomic-write.ts';
export { DatastoreFiles, datastoreFiles, sanitizeFolderName, DEFAULT_MAX_TEXT_BYTES } from './datastore-files.ts';
export type { DatastoreEntry, DatastoreEntryType, DatastoreUsage, CopyOptions, ReadTextOptions } from './datastore-files.ts';
export { mapFsError } from './fs-errors.ts';
