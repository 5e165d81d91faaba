import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VmgateError } from '../../src/core/errors.ts';
import {
  formatDatastorePath,
  normalizeRel,
  parseDatastorePath,
  resolveInside,
  resolveInsideAsync,
} from '../../src/datastore/index.ts';

function isKind(kind: string, text?: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof VmgateError, `expected a VmgateError, got ${String(e)}`);
    assert.equal(e.kind, kind);
    if (text !== undefined) assert.match(e.message, text);
    return true;
  };
}

describe('datastore path syntax', () => {
  it('formats and parses [name] rel', () => {
    assert.equal(formatDatastorePath('datastore1', 'web/web.vmx'), '[datastore1] web/web.vmx');
    assert.equal(formatDatastorePath('datastore1', ''), '[datastore1]');
    assert.deepEqual(parseDatastorePath('[datastore1] web/web.vmx'), { datastoreName: 'datastore1', rel: 'web/web.vmx' });
    assert.deepEqual(parseDatastorePath('[datastore1]'), { datastoreName: 'datastore1', rel: '' });
    assert.deepEqual(parseDatastorePath('[SAN LUN 7]   my vm/my vm.vmx'), { datastoreName: 'SAN LUN 7', rel: 'my vm/my vm.vmx' });
    assert.deepEqual(parseDatastorePath('[ds]x.iso'), { datastoreName: 'ds', rel: 'x.iso' });
    for (const [name, rel] of [
      ['ds1', 'a [b] c/d.vmx'],
      ['my store', 'vm/vm.vmx'],
    ]) {
      assert.deepEqual(parseDatastorePath(formatDatastorePath(name, rel)), { datastoreName: name, rel });
    }
  });

  it('rejects malformed datastore paths', () => {
    for (const bad of ['', 'datastore1', 'web/web.vmx', '[] x', '[ ] x', '[ds1 x', 'x [ds1] y', '[ds1] a\0b', '[a[b] c']) {
      assert.throws(() => parseDatastorePath(bad), isKind('invalid_argument'), JSON.stringify(bad));
    }
    assert.throws(() => formatDatastorePath('a]b', 'x'), isKind('invalid_argument'));
    assert.throws(() => formatDatastorePath('', 'x'), isKind('invalid_argument'));
  });
});

const lstatExists = (p: string): boolean => {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

describe('confinement', () => {
  let base: string;
  let root: string;
  let outside: string;

  before(() => {
    base = mkdtempSync(join(tmpdir(), 'vmgate-dspath-'));
    root = join(base, 'root');
    outside = join(base, 'outside');
    mkdirSync(join(root, 'vm', 'sub'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    writeFileSync(join(root, 'vm', 'vm.vmx'), 'x');
    symlinkSync(outside, join(root, 'to-outside')); // directory link out
    symlinkSync(join(outside, 'secret.txt'), join(root, 'secret-link')); // file link out
    symlinkSync('../../outside', join(root, 'vm', 'relative-out')); // relative link out
    symlinkSync('vm', join(root, 'vm-alias')); // link that stays inside
    symlinkSync('/nonexistent/target', join(root, 'dangling'));
    symlinkSync(root, join(base, 'root-link')); // the root itself reached through a link
  });

  after(() => rmSync(base, { recursive: true, force: true }));

  const both = (name: string, check: (resolve: (root: string, rel: string) => Promise<string>) => Promise<void>): void => {
    it(`${name} (sync)`, () => check(async (r, rel) => resolveInside(r, rel, { datastoreName: 'ds1' })));
    it(`${name} (async)`, () => check((r, rel) => resolveInsideAsync(r, rel, { datastoreName: 'ds1' })));
  };

  both('resolves paths inside, including ones that do not exist yet', async (resolve) => {
    assert.equal(await resolve(root, 'vm/vm.vmx'), join(root, 'vm', 'vm.vmx'));
    assert.equal(await resolve(root, 'vm/new/deeper/file.txt'), join(root, 'vm/new/deeper/file.txt'));
    assert.equal(await resolve(root, ''), root);
    assert.equal(await resolve(root, '.'), root);
    assert.equal(await resolve(root, 'vm/../vm/./vm.vmx'), join(root, 'vm', 'vm.vmx'));
    assert.equal(await resolve(root, 'vm/'), join(root, 'vm'));
    assert.equal(await resolve(root, 'vm-alias/vm.vmx'), join(root, 'vm-alias', 'vm.vmx'));
    assert.equal(await resolve(join(base, 'root-link'), 'vm/vm.vmx'), join(base, 'root-link', 'vm', 'vm.vmx'));
  });

  both('rejects .. escapes as unauthorized', async (resolve) => {
    for (const rel of ['..', '../outside/secret.txt', 'vm/../../outside', 'vm/sub/../../../x']) {
      await assert.rejects(resolve(root, rel), isKind('unauthorized', /escapes the datastore/), rel);
    }
  });

  both('rejects absolute paths and NUL bytes as invalid_argument', async (resolve) => {
    await assert.rejects(resolve(root, '/etc/passwd'), isKind('invalid_argument', /absolute/));
    await assert.rejects(resolve(root, join(root, 'vm')), isKind('invalid_argument', /absolute/));
    await assert.rejects(resolve(root, 'vm/a\0b'), isKind('invalid_argument', /NUL/));
  });

  both('rejects symbolic links that lead outside', async (resolve) => {
    for (const rel of ['to-outside', 'to-outside/secret.txt', 'to-outside/new-file', 'secret-link', 'vm/relative-out/secret.txt']) {
      await assert.rejects(resolve(root, rel), isKind('unauthorized', /\[ds1\] .*escapes the datastore/), rel);
    }
  });

  both('a sibling folder whose name starts with the root name is outside (ds0-other is not in ds0)', async (resolve) => {
    const ds0 = join(base, 'ds0');
    const other = join(base, 'ds0-other');
    mkdirSync(ds0, { recursive: true });
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'secret.txt'), 'secret');
    for (const [name, target] of [['to-other', other], ['to-other-file', join(other, 'secret.txt')], ['to-other-rel', '../ds0-other']] as const) {
      if (!lstatExists(join(ds0, name))) symlinkSync(target, join(ds0, name));
    }
    for (const rel of ['to-other', 'to-other/secret.txt', 'to-other/new-file', 'to-other-file', 'to-other-rel/secret.txt']) {
      await assert.rejects(resolve(ds0, rel), isKind('unauthorized', /\[ds1\] .*escapes the datastore/), rel);
    }
  });

  both('rejects dangling links', async (resolve) => {
    await assert.rejects(resolve(root, 'dangling'), isKind('invalid_argument', /symbolic link/));
  });

  both('reports a missing root as not_found', async (resolve) => {
    await assert.rejects(resolve(join(base, 'nope'), 'x'), isKind('not_found', /datastore root/));
  });

  it('normalizeRel gives the canonical relative path', () => {
    assert.equal(normalizeRel('a//b/./c/'), 'a/b/c');
    assert.equal(normalizeRel(''), '');
    assert.equal(normalizeRel('./'), '');
    assert.throws(() => normalizeRel('C:\\Windows'), isKind('invalid_argument'));
  });
});

/** A VmgateError of `kind` from the datastore module with exactly `message`. */
function exactly(kind: string, message: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof VmgateError, `expected a VmgateError, got ${String(e)}`);
    assert.deepEqual([e.kind, e.module, e.message], [kind, 'datastore', message]);
    return true;
  };
}

describe('datastore path errors, word for word', () => {
  it('parse and format name what is wrong', () => {
    assert.throws(() => parseDatastorePath('web/web.vmx'), exactly('invalid_argument', '"web/web.vmx" is not a datastore path like "[datastore1] folder/vm.vmx"'));
    assert.throws(() => parseDatastorePath('[ ] x'), exactly('invalid_argument', '"[ ] x" has no valid datastore name in brackets'));
    assert.throws(() => parseDatastorePath('[ds1] a\0b'), exactly('invalid_argument', 'datastore path "[ds1] a\\u0000b" contains a NUL byte'));
    assert.throws(() => formatDatastorePath('ds1', 'a\0b'), exactly('invalid_argument', 'datastore path "a\\u0000b" contains a NUL byte'));
    assert.throws(() => formatDatastorePath('a]b', 'x'), exactly('invalid_argument', '"a]b" has no valid datastore name in brackets'));
    // the path may hold line breaks and brackets; everything after the name is the path
    assert.deepEqual(parseDatastorePath('[ds1] a\nb]'), { datastoreName: 'ds1', rel: 'a\nb]' });
  });
});

describe('normalizeRel: the lexical part of confinement', () => {
  it('gives the canonical relative path', () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ['', ''],
      ['.', ''],
      ['./', ''],
      ['a/..', ''],
      ['a/b/', 'a/b'],
      ['a//b/./c/', 'a/b/c'],
      ['a/b/../c', 'a/c'],
      ['C:x', 'C:x'],
      ['aC:/x', 'aC:/x'],
      ['..a/b', '..a/b'],
      ['a/../..b', '..b'],
    ];
    for (const [rel, expected] of cases) assert.equal(normalizeRel(rel), expected, JSON.stringify(rel));
  });

  it('refuses climbing above the root as unauthorized, before looking at the disk', () => {
    for (const rel of ['..', '../', '../x', 'a/../../x', 'a/b/../../../x', './..']) {
      assert.throws(() => normalizeRel(rel), exactly('unauthorized', `path ${JSON.stringify(rel)}: path escapes the datastore`), rel);
    }
    assert.throws(() => normalizeRel('../x', { datastoreName: 'ds1' }), exactly('unauthorized', '[ds1] ../x: path escapes the datastore'));
  });

  it('refuses absolute paths, NUL bytes and non-text as invalid_argument', () => {
    for (const rel of ['/etc/passwd', '/', 'C:\\Windows', 'c:/x']) {
      assert.throws(() => normalizeRel(rel), exactly('invalid_argument', `path ${JSON.stringify(rel)} must be relative to the datastore, not absolute`), rel);
    }
    assert.throws(() => normalizeRel('/x', { datastoreName: 'ds1' }), exactly('invalid_argument', '[ds1] /x must be relative to the datastore, not absolute'));
    assert.throws(() => normalizeRel('x\0y'), exactly('invalid_argument', 'path "x\\\\0y" contains a NUL byte'));
    assert.throws(() => normalizeRel('x\0y', { datastoreName: 'ds1' }), exactly('invalid_argument', '[ds1] x\\0y contains a NUL byte'));
    assert.throws(() => normalizeRel(42 as unknown as string), exactly('invalid_argument', 'a datastore path must be text'));
  });
});

describe('resolveInside on the disk: the final component, odd errors', () => {
  let base: string;
  let root: string;
  before(() => {
    base = mkdtempSync(join(tmpdir(), 'vmgate-dspath2-'));
    root = join(base, 'root');
    mkdirSync(join(root, 'vm'), { recursive: true });
    writeFileSync(join(root, 'vm', 'vm.vmx'), 'x');
    writeFileSync(join(base, 'secret.txt'), 'secret');
    symlinkSync(join(base, 'secret.txt'), join(root, 'vm', 'out-link'));
    symlinkSync('/nonexistent/target', join(root, 'vm', 'dangling'));
    symlinkSync('loop', join(root, 'loop'));
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  for (const [name, resolve] of [
    ['sync', async (r: string, rel: string, o?: { followFinal?: boolean; datastoreName?: string }) => resolveInside(r, rel, o)],
    ['async', (r: string, rel: string, o?: { followFinal?: boolean; datastoreName?: string }) => resolveInsideAsync(r, rel, o)],
  ] as const) {
    it(`followFinal false looks at a link itself, not where it leads (${name})`, async () => {
      await assert.rejects(resolve(root, 'vm/out-link', { datastoreName: 'ds1' }), exactly('unauthorized', '[ds1] vm/out-link: path escapes the datastore'));
      assert.equal(await resolve(root, 'vm/out-link', { followFinal: false }), join(root, 'vm', 'out-link'));
      await assert.rejects(resolve(root, 'vm/dangling', { datastoreName: 'ds1' }), exactly('invalid_argument', '[ds1] vm/dangling leads through a symbolic link that points nowhere'));
      assert.equal(await resolve(root, 'vm/dangling', { followFinal: false }), join(root, 'vm', 'dangling'));
      // only the final component is spared: a link on the way is still followed
      await assert.rejects(resolve(root, 'vm/out-link/x', { followFinal: false }), (e: unknown) => e instanceof VmgateError);
      assert.equal(await resolve(root, '', { followFinal: false }), root);
    });

    it(`a path through a file is inside (its folder is); other fs errors become vmgate errors that say what was wrong (${name})`, async () => {
      assert.equal(await resolve(root, 'vm/vm.vmx/sub'), join(root, 'vm', 'vm.vmx', 'sub'));
      await assert.rejects(resolve(root, 'loop/x'), exactly('invalid_argument', 'path "loop/x" leads through too many symbolic links'));
      await assert.rejects(resolve(join(base, 'missing'), 'x'), exactly('not_found', `datastore root ${join(base, 'missing')} does not exist or is not accessible`));
    });

    it(`a datastore root that is a link pointing nowhere is a missing root (not_found), the root itself included (${name})`, async () => {
      const gone = join(base, 'gone-root');
      if (!lstatExists(gone)) symlinkSync(join(base, 'no-such-folder'), gone);
      const missing = exactly('not_found', `datastore root ${gone} does not exist or is not accessible`);
      await assert.rejects(resolve(gone, ''), missing);
      await assert.rejects(resolve(gone, '', { followFinal: false }), missing);
      await assert.rejects(resolve(gone, 'vm/vm.vmx'), missing);
    });
  }
});
