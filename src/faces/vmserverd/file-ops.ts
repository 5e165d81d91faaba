/**
 * File and directory operations on datastore paths (`[ds] folder/file`, or the datastore's
 * absolute root form), through core.datastoreFiles: confined to the datastores the
 * caller may see; `..` out of a datastore, links leading out, absolute paths elsewhere
 * and NUL bytes are refused by core and the file port.
 */
import { posix } from 'node:path';
import type { XmlElement, XmlValue } from '../../protocols/vmserverd/index.ts';
import { childrenNamed, child } from '../../protocols/vmserverd/index.ts';
import { ExecError } from './errors.ts';
import { need, optBool, optInt, optStr, str } from './input.ts';
import type { OpContext, OpRegistrar } from './ops.ts';

const MAX_TREE_ENTRIES = 10_000;

function entryValue(e: { name: string; type: string; size: number; mtime: string }): XmlValue {
  return { name: e.name, type: e.type, size: e.size, mtime: e.mtime };
}

async function listTree(c: OpContext, base: string, depth: number): Promise<XmlValue[]> {
  const out: XmlValue[] = [];
  const walk = async (path: string, rel: string, level: number): Promise<void> => {
    for (const e of await c.core.datastoreFiles.list(c.caller, path)) {
      if (out.length >= MAX_TREE_ENTRIES) throw new ExecError('bad_argument', `the tree has more than ${MAX_TREE_ENTRIES} entries: list a smaller part`);
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push({ path: r, type: e.type, size: e.size, mtime: e.mtime });
      if (e.type === 'directory' && level < depth) await walk(`${path.replace(/\/+$/, '')}${path.endsWith(']') ? ' ' : '/'}${e.name}`, r, level + 1);
    }
  };
  await walk(base, '', 1);
  return out;
}

async function copy(c: OpContext, i: XmlElement | undefined): Promise<XmlValue> {
  const task = await c.core.datastoreFiles.copy(c.caller, str(i, 'source'), str(i, 'destination'), optBool(i, 'overwrite'));
  const wait = child(i, 'wait') ? optBool(i, 'wait') : true;
  if (!wait) return { task: task.id };
  const r = await c.core.tasks.result<{ path: string; bytes: number }>(c.caller, task);
  return { task: task.id, path: r.path, bytes: r.bytes };
}

const MODE_CLASSES = [
  ['owner_mode', 6],
  ['group_mode', 3],
  ['other_mode', 0],
] as const;

/**
 * The new mode: `<mode>` in octal (`750`), or the seed's `<owner_mode>`/`<group_mode>`/
 * `<other_mode>` letters (`rwx`, `r-x`, `rx`, `` for none); a class left out keeps its bits.
 */
function modeOf(i: XmlElement | undefined, current: number): number {
  const octal = optStr(i, 'mode');
  if (octal !== undefined) {
    if (!/^0?[0-7]{3}$/.test(octal)) throw new ExecError('bad_argument', `<mode> must be three octal digits like 750, not '${octal.slice(0, 40)}'`);
    return parseInt(octal, 8);
  }
  let mode = current & 0o777;
  let any = false;
  for (const [name, shift] of MODE_CLASSES) {
    const el = child(i, name);
    if (!el) continue;
    any = true;
    const letters = el.text.replace(/-/g, '');
    if (!/^r?w?x?$/.test(letters)) throw new ExecError('bad_argument', `<${name}> must be letters of rwx in that order (like r-x), not '${el.text.slice(0, 40)}'`);
    const bits = (letters.includes('r') ? 4 : 0) | (letters.includes('w') ? 2 : 0) | (letters.includes('x') ? 1 : 0);
    mode = (mode & ~(0o7 << shift)) | (bits << shift);
  }
  if (!any) throw new ExecError('bad_argument', '<in> needs <mode> (octal) or at least one of <owner_mode>, <group_mode>, <other_mode>');
  return mode;
}

const octal = (mode: number): string => mode.toString(8).padStart(3, '0');

export function fileOps(op: OpRegistrar): void {
  op('FileManager_ChangeMode', 'authuser', async (c, i) => {
    const path = str(i, 'path');
    const cur = await c.core.datastoreFiles.ownership(c.caller, path);
    const o = await c.core.datastoreFiles.changeMode(c.caller, path, modeOf(i, cur.mode));
    return { path, mode: octal(o.mode) };
  });
  op('FileManager_ChangeAttribs', 'authuser', async (c, i) => {
    const path = str(i, 'path');
    str(i, 'readOnly'); // required
    if (optStr(i, 'hidden') !== undefined && optBool(i, 'hidden')) throw new ExecError('unsupported', 'a hidden attribute does not exist on the datastores vmgate serves (POSIX file systems): name the file with a leading dot instead');
    const o = await c.core.datastoreFiles.setReadOnly(c.caller, path, optBool(i, 'readOnly'));
    return { path, readOnly: (o.mode & 0o222) === 0 ? 1 : 0, mode: octal(o.mode) };
  });
  op('FileManager_ChangeOwner', 'authuser', async (c, i) => {
    const path = str(i, 'path');
    const o = await c.core.datastoreFiles.changeOwner(c.caller, path, { owner: str(i, 'owner') });
    return { path, uid: o.uid, gid: o.gid };
  });
  op('FileManager_ChangeGroup', 'authuser', async (c, i) => {
    const path = str(i, 'path');
    const o = await c.core.datastoreFiles.changeOwner(c.caller, path, { group: str(i, 'group') });
    return { path, uid: o.uid, gid: o.gid };
  });
  op('CreateCOWDisk', 'authuser', async (c, i) => {
    const r = await c.core.datastoreFiles.createCowDisk(c.caller, str(i, 'parent'), str(i, 'child'));
    return { path: r.path, parent: r.parent, format: 'qcow2', parentFormat: r.baseFormat, capacity: r.virtualSize };
  });
  op('FileManager_FileMakeLink', 'authuser', async (c, i) => ({ path: await c.core.datastoreFiles.makeLink(c.caller, str(i, 'path'), str(i, 'target')), target: str(i, 'target') }));
  for (const name of ['FileManager_ListDir', 'Directory_List']) {
    op(name, 'authuser', async (c, i) => ({ entries: { entry: (await c.core.datastoreFiles.list(c.caller, str(i, 'path'))).map(entryValue) } }));
  }
  op('Directory_GetSpaceUsage', 'authuser', async (c, i) => {
    const path = str(i, 'path');
    const st = await c.core.datastoreFiles.stat(c.caller, path);
    if (st.type !== 'directory') throw new ExecError('bad_argument', `${path} is not a folder`);
    const entries = (await listTree(c, path, 32)) as { type: string; size: number }[];
    const files = entries.filter((e) => e.type === 'file');
    return { bytes: files.reduce((a, e) => a + e.size, 0), files: files.length, directories: entries.filter((e) => e.type === 'directory').length };
  });
  op('FileManager_ListDirTree', 'authuser', async (c, i) => ({ entries: { entry: await listTree(c, str(i, 'path'), optInt(i, 'depth', 8, 1, 32)) } }));
  for (const name of ['FileManager_FileExists', 'File_Exists']) {
    op(name, 'authuser', async (c, i) => {
      const path = str(i, 'path');
      if (!(await c.core.datastoreFiles.exists(c.caller, path))) return { exists: 0, type: '' };
      return { exists: 1, type: (await c.core.datastoreFiles.stat(c.caller, path)).type };
    });
  }
  // The seed's shape: several <directory> and makeParents; the *_mode fields are accepted and ignored.
  op('FileManager_MakeDir', 'authuser', async (c, i) => {
    const dirs = childrenNamed(child(need(i), 'directories'), 'directory').map((d) => d.text);
    if (dirs.length === 0 || dirs.some((d) => d === '')) throw new ExecError('bad_argument', '<in> needs <directories> with at least one non-empty <directory>');
    const parents = optBool(i, 'makeParents');
    const made: string[] = [];
    for (const d of dirs) made.push(await c.core.datastoreFiles.makeDir(c.caller, d, parents));
    return { directories: { directory: made } };
  });
  op('Directory_Make', 'authuser', async (c, i) => ({ path: await c.core.datastoreFiles.makeDir(c.caller, str(i, 'path'), optBool(i, 'makeParents')) }));
  for (const name of ['FileManager_RemoveDir', 'Directory_Remove']) {
    op(name, 'authuser', async (c, i) => {
      const path = str(i, 'path');
      await c.core.datastoreFiles.removeDir(c.caller, path, optBool(i, 'recursive'));
      return { path };
    });
  }
  for (const name of ['FileManager_FileRemove', 'File_Delete']) {
    op(name, 'authuser', async (c, i) => {
      const path = str(i, 'path');
      await c.core.datastoreFiles.removeFile(c.caller, path);
      return { path };
    });
  }
  op('FileManager_FileMove', 'authuser', async (c, i) => {
    await c.core.datastoreFiles.move(c.caller, str(i, 'source'), str(i, 'destination'), optBool(i, 'overwrite'));
    return { path: str(i, 'destination') };
  });
  op('FileManager_FileCopy', 'authuser', copy);
  op('File_Copy', 'authuser', copy);
  op('FileManager_GetParentDir', 'authuser', async (c, i) => {
    const r = await c.core.datastoreFiles.resolve(c.caller, str(i, 'path'));
    if (r.rel === '') throw new ExecError('bad_argument', `${r.path} is a datastore root: it has no parent`);
    const parent = posix.dirname(r.rel);
    return { path: parent === '.' ? `[${r.datastore.name}]` : `[${r.datastore.name}] ${parent}` };
  });
  op('FileManager_GetHomeDir', 'authuser', async (c) => {
    const dss = await c.core.inventory.listDatastores(c.caller);
    if (dss.length === 0) throw new ExecError('not_found', 'no datastore is visible to you');
    return { path: `[${dss[0]!.name}]` };
  });
  op('File_Create', 'authuser', async (c, i) => {
    const content = child(need(i), 'content')?.rawText ?? '';
    return { path: await c.core.datastoreFiles.createFile(c.caller, str(i, 'path'), content) };
  });
  op('File_Read', 'authuser', async (c, i) => ({ content: await c.core.datastoreFiles.readText(c.caller, str(i, 'path'), optInt(i, 'maxBytes', 1024 * 1024, 1, 16 * 1024 * 1024)) }));
  op('File_ReadLastN', 'authuser', async (c, i) => {
    const n = optInt(i, 'n', 10, 1, 10_000);
    const text = await c.core.datastoreFiles.readText(c.caller, str(i, 'path'), 16 * 1024 * 1024);
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return { lines: { line: lines.slice(-n) } };
  });
  op('GSXHostInfo_GetDiskSpace', 'authuser', async (c, i) => {
    const { datastore, usage } = await c.core.datastoreFiles.usage(c.caller, str(i, 'path'));
    return { datastore: datastore.name, capacity: usage.capacityBytes, free: usage.freeBytes };
  });
}
