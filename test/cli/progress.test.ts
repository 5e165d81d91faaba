import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { ProgressBoard } from '../../src/cli/progress.ts';

/** A stream that says it is a terminal, as cli-progress needs, and keeps what is drawn. */
function fakeTerminal(): Writable & { text: () => string } {
  let out = '';
  const s = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString('utf8');
      done();
    },
  }) as Writable & { text: () => string; isTTY: boolean; columns: number; cursorTo: () => boolean; moveCursor: () => boolean; clearLine: () => boolean; clearScreenDown: () => boolean };
  Object.assign(s, { isTTY: true, columns: 120, cursorTo: () => true, moveCursor: () => true, clearLine: () => true, clearScreenDown: () => true, text: () => out });
  return s;
}

describe('cli progress board', () => {
  it('draws nothing when disabled', () => {
    const term = fakeTerminal();
    const board = new ProgressBoard(false, term);
    const bar = board.add('vm-1');
    bar.spin('powering on');
    bar.update(50);
    bar.finish('on');
    board.stop();
    assert.equal(term.text(), '');
  });

  it('draws bars with labels, percentages, bytes and step text, and spinners', async () => {
    const term = fakeTerminal();
    const board = new ProgressBoard(true, term);
    const a = board.add('vm-1');
    const b = board.add('disk.img', 4 * 1024 * 1024, 'bytes');
    a.spin('powering on…');
    b.update(1024 * 1024);
    await new Promise((r) => setTimeout(r, 200));
    a.update(40, 'Copying disks');
    b.update(4 * 1024 * 1024);
    await new Promise((r) => setTimeout(r, 200)); // the board redraws at most 12 times a second
    a.finish('done');
    b.finish('done');
    board.stop();
    const text = term.text();
    assert.match(text, /vm-1 {6}[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] powering on…/);
    assert.match(text, /vm-1 {6}█+░+ {2}40% {2}Copying disks/);
    assert.match(text, /disk\.img {2}█+░+ 1\.0 MiB \/ 4\.0 MiB/);
    assert.match(text, /vm-1 {6}█{28} 100% {2}done/);
    assert.match(text, /disk\.img {2}█{28} 4\.0 MiB \/ 4\.0 MiB {2}done/);
  });
});
