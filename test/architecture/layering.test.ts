// The layering of docs/design.md: the lint rule that enforces it is active, and the
// source tree as it stands keeps it (no folder of src/ imports one above it, no two
// folders import each other).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ESLint } from 'eslint';

const root = resolve(import.meta.dirname, '../..');
const src = join(root, 'src');

async function lintAs(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('lint refuses a core file that imports the store implementation', async () => {
  const msgs = await lintAs('src/core/probe.ts', "import { openStore } from '../store/open-store.ts';\nexport const x = openStore;\n");
  assert.equal(msgs.length, 1);
  assert.match(msgs[0]!, /src\/core must not import drivers, store, datastore/);
});

test('lint refuses a face that imports a driver, the store or the datastore layer', async () => {
  for (const spec of ['../../drivers/sim/index.ts', '../../../store/sqlite/sqlite-store.ts', '../../datastore/index.ts']) {
    const msgs = await lintAs('src/faces/vapi/probe.ts', `import * as m from '${spec}';\nexport const x = m;\n`);
    assert.equal(msgs.length, 1, spec);
    assert.match(msgs[0]!, /src\/faces must not import/);
  }
});

test('lint allows a face to import core and its protocol, and a driver to import core ports', async () => {
  assert.deepEqual(await lintAs('src/faces/vapi/probe.ts', "import type { CoreApi } from '../../core/index.ts';\nimport { notFound } from '../../core/errors.ts';\nimport * as p from '../../protocols/vapi/index.ts';\nexport type C = CoreApi;\nexport const x = [notFound, p];\n"), []);
  assert.deepEqual(await lintAs('src/drivers/sim/probe.ts', "import type { HypervisorDriver } from '../../core/ports/driver.ts';\nexport type X = HypervisorDriver;\n"), []);
});

test('lint refuses a face that imports the Core class, core\'s context or core\'s ports (faces get CoreApi)', async () => {
  for (const [spec, name] of [['../../core/index.ts', 'Core'], ['../../../core/core.ts', 'Core'], ['../../core/context.ts', 'CoreContext'], ['../../core/ports/store.ts', 'Store']]) {
    const msgs = await lintAs('src/faces/vapi/probe.ts', `import type { ${name} } from '${spec}';\nexport type X = ${name};\n`);
    assert.equal(msgs.length, 1, spec);
    assert.match(msgs[0]!, /a face (gets CoreApi|uses core through CoreApi)/);
  }
});

test('lint refuses the protocol layer importing core, and the client importing the face', async () => {
  assert.equal((await lintAs('src/protocols/vapi/probe.ts', "import { Core } from '../../core/index.ts';\nexport const x = Core;\n")).length, 1);
  assert.equal((await lintAs('src/clients/vapi/probe.ts', "import * as f from '../../faces/vapi/index.ts';\nexport const x = f;\n")).length, 1);
});

test('lint refuses the browser app (web/) importing the server\'s modules, and allows its own', async () => {
  for (const spec of ['../../../src/core/index.ts', '../../../src/protocols/vapi/index.ts', '../../../test/support/ci.ts', '../../../../etc/x.ts']) {
    const msgs = await lintAs('web/src/pages/probe.tsx', `import * as m from '${spec}';\nexport const x = m;\n`);
    assert.equal(msgs.length, 1, spec);
    assert.match(msgs[0]!, /web\/ is a browser app/);
  }
  assert.deepEqual(await lintAs('web/src/pages/probe.tsx', "import { api } from '../api.ts';\nimport { App } from '../../src/App.tsx';\nexport const x = [api, App];\n"), []);
  assert.equal((await lintAs('web/src/probe.ts', "import * as m from '../../src/core/index.ts';\nexport const x = m;\n")).length, 1);
});

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Top-level folder of src/ → the top-level folders its files import (relative specifiers). */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of walk(src)) {
    const from = relative(src, file).split('/')[0]!;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = relative(src, resolve(dirname(file), m[1]!));
      if (target.startsWith('..')) continue;
      const to = target.split('/')[0]!;
      if (to === from || !statSync(join(src, to), { throwIfNoEntry: false })?.isDirectory()) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
  }
  return graph;
}

test('core imports no driver, store, datastore, face, protocol, client, server or CLI code', () => {
  const g = folderGraph();
  assert.deepEqual([...(g.get('core') ?? [])].sort(), []);
});

test('no two top-level folders of src/ import each other', () => {
  const g = folderGraph();
  const cycles: string[] = [];
  for (const [a, tos] of g) for (const b of tos) if (a < b && g.get(b)?.has(a)) cycles.push(`${a} <-> ${b}`);
  assert.deepEqual(cycles, []);
  // The graph has the edges the design names (so the scan itself works).
  assert.ok(g.get('faces')?.has('core'));
  assert.ok(g.get('drivers')?.has('core'));
  assert.ok(g.get('store')?.has('core'));
  assert.ok(g.get('datastore')?.has('core'));
});
