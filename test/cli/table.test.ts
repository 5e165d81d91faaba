import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes, formatDetails, formatTable } from '../../src/cli/table.ts';

describe('cli table printer', () => {
  const rows = [
    { id: 'vm-1', name: 'web', cpus: 2 },
    { id: 'vm-10', name: 'database-primary', cpus: 16 },
    { id: 'vm-3', name: undefined, cpus: 1 },
  ];
  const cols = [
    { header: 'VM', value: (r: (typeof rows)[number]) => r.id },
    { header: 'NAME', value: (r: (typeof rows)[number]) => r.name },
    { header: 'CPUS', value: (r: (typeof rows)[number]) => r.cpus, align: 'right' as const },
  ];

  it('widths come from the content; two spaces between columns; right alignment; - for empty', () => {
    assert.equal(
      formatTable(rows, cols),
      ['VM     NAME              CPUS', 'vm-1   web                  2', 'vm-10  database-primary    16', 'vm-3   -                    1', ''].join('\n'),
    );
  });

  it('no trailing blanks on a left-aligned last column; bold header only when asked', () => {
    const t = formatTable([{ a: 'x', b: 'long value' }, { a: 'yy', b: 'v' }], [
      { header: 'A', value: (r) => r.a },
      { header: 'B', value: (r) => r.b },
    ]);
    assert.equal(t, 'A   B\nx   long value\nyy  v\n');
    assert.ok(formatTable([], [{ header: 'A', value: () => '' }], { color: true }).startsWith('\u001b[1mA\u001b[22m'));
    assert.equal(formatTable([], [{ header: 'ONLY', value: () => '' }]), 'ONLY\n');
  });

  it('control characters in values cannot break a row', () => {
    assert.equal(formatTable([{ n: 'evil\nname\u001b[31m' }], [{ header: 'N', value: (r) => r.n }]), 'N\nevil name [31m\n');
  });

  it('details and bytes', () => {
    assert.equal(formatDetails([['Name', 'web'], ['Memory', 512], ['Gone', undefined]]), 'Name:    web\nMemory:  512\nGone:    -\n');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(3_000_000), '2.9 MiB');
    assert.equal(formatBytes(252 * 1024 ** 3), '252 GiB');
    assert.equal(formatBytes(undefined), undefined);
  });
});
