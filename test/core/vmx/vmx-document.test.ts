import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { VmgateError } from '../../../src/core/errors.ts';
import { MAX_VMX_BYTES, decodeVmxValue, encodeVmxValue, parseVmx } from '../../../src/core/vmx/index.ts';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const FIXTURES = ['workstation.vmx', 'esxi.vmx', 'weird.vmx'];

function isKind(kind: string, text?: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof VmgateError, `expected a VmgateError, got ${String(e)}`);
    assert.equal(e.kind, kind);
    if (text !== undefined) assert.match(e.message, text);
    return true;
  };
}

/** Lines of a and b that differ (same number of lines expected). */
function changedLines(a: string, b: string): Array<[string, string]> {
  const la = a.split('\n');
  const lb = b.split('\n');
  assert.equal(la.length, lb.length, 'line count changed');
  return la.flatMap((l, i) => (l === lb[i] ? [] : [[l, lb[i]] as [string, string]]));
}

describe('parseVmx round trip', () => {
  for (const name of FIXTURES) {
    it(`is byte-identical for ${name}`, () => {
      const text = fixture(name);
      assert.equal(parseVmx(text).toString(), text);
    });
  }

  it('the weird fixture really has a BOM, CRLF lines and no final newline', () => {
    const text = fixture('weird.vmx');
    assert.ok(text.startsWith('\uFEFF'));
    assert.ok(text.includes('\r\n'));
    assert.ok(!text.endsWith('\n'));
  });

  it('is byte-identical for edge cases', () => {
    const cases = [
      '',
      '\n',
      '\r\n',
      '\n\n\n',
      'a = "1"',
      'a = "1"\r',
      '\r',
      '\uFEFF',
      '\uFEFFa = "b"\r\n',
      'a = "1"\r\nb = "2"\nc = "3"\r\n',
      '   \t  \n#\n# only comments\n',
      'x = "ünïcødé ✓ 日本"\n',
      'key = "value" # comment "with quotes"\n',
      'key="v"#c\n',
      '"quoted" = "key"\n',
      'k = "a"b"\n',
      'k = a"b\n',
      'k = |22|7C|0a\n',
      'k\t=\t"v"\t\t\n',
    ];
    for (const text of cases) assert.equal(parseVmx(text).toString(), text, JSON.stringify(text));
  });

  it('is byte-identical for random text', () => {
    const alphabet = ['a', 'Z', '0', '.', ':', ' ', '\t', '=', '"', '#', '|', '2', '7C', '\n', '\r', '\r\n', 'é', '✓', '\uFEFF', '\\'];
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      let text = '';
      const len = rnd(80);
      for (let j = 0; j < len; j++) text += alphabet[rnd(alphabet.length)];
      const doc = parseVmx(text);
      assert.equal(doc.toString(), text, JSON.stringify(text));
      // and after a no-op set of every key
      for (const [k, v] of doc.entries()) doc.set(k, v);
      assert.equal(doc.toString(), text, JSON.stringify(text));
    }
  });
});

describe('VmxDocument lookups', () => {
  it('reads VMware lines, case-insensitively, last duplicate wins', () => {
    const doc = parseVmx(fixture('weird.vmx'));
    assert.equal(doc.get('.encoding'), 'UTF-8');
    assert.equal(doc.get('config.version'), '8'); // bare value with a comment
    assert.equal(doc.get('VIRTUALHW.VERSION'), '14'); // indented, no spaces
    assert.equal(doc.get('displayname'), 'weird box'); // tabs
    assert.equal(doc.get('memsize'), '1024'); // "MemSize" later in the file wins
    assert.equal(doc.get('floppy0.fileName'), ''); // "key =" is an empty value
    assert.equal(doc.get('ethernet0.virtualDev'), 'vmxnet3');
    assert.equal(doc.get('unknown.vendor.key'), 'kept as is');
    assert.equal(doc.get('last.line'), 'no newline after me');
    // weird lines are not entries
    assert.equal(doc.has('broken'), false);
    assert.equal(doc.has('guestOS'), false);
    assert.equal(doc.has('this'), false);
    assert.equal(doc.get('nope'), undefined);
  });

  it('entries() has one pair per key with the winning value', () => {
    const doc = parseVmx('a = "1"\nB = "2"\nA = "3"\n# c\n');
    assert.deepEqual(doc.entries(), [
      ['A', '3'],
      ['B', '2'],
    ]);
    assert.deepEqual(doc.keys(), ['A', 'B']);
    assert.equal(doc.size, 2);
  });

  it('decodes escapes on read', () => {
    const doc = parseVmx(fixture('esxi.vmx'));
    assert.equal(doc.get('displayName'), 'SQL "prod" 01');
    assert.equal(
      doc.get('annotation'),
      'Owner: DBA team | ticket CHG-1234\nMaintenance window: Sun 02:00\n"do not vMotion"',
    );
    assert.equal(parseVmx(fixture('weird.vmx')).get('annotation'), '50% off |zz is no escape, | is a pipe, café');
  });
});

describe('VmxDocument edits', () => {
  it('set replaces a value in place and keeps every other byte', () => {
    const text = fixture('esxi.vmx');
    const doc = parseVmx(text);
    doc.set('MEMSIZE', '32768');
    assert.deepEqual(changedLines(text, doc.toString()), [['memSize = "16384"', 'memSize = "32768"']]);
  });

  it('set keeps indentation, spacing, bare style and trailing comments', () => {
    const text = fixture('weird.vmx');
    const doc = parseVmx(text);
    doc.set('config.version', '9');
    doc.set('virtualHW.version', '21');
    doc.set('displayName', 'still weird');
    doc.set('unknown.vendor.key', 'new "value"');
    doc.set('ethernet0.virtualDev', 'e1000 e'); // bare value that now needs quotes
    assert.deepEqual(changedLines(text, doc.toString()), [
      [
        'config.version = 8                       # bare value and a trailing comment',
        'config.version = 9                       # bare value and a trailing comment',
      ],
      ['   virtualHW.version="14"', '   virtualHW.version="21"'],
      ['displayName\t=\t"weird box"   # tabs around =\r', 'displayName\t=\t"still weird"   # tabs around =\r'],
      ['ethernet0.virtualDev = vmxnet3', 'ethernet0.virtualDev = "e1000 e"'],
      ['unknown.vendor.key = "kept as is" # keep me', 'unknown.vendor.key = "new |22value|22" # keep me'],
    ]);
    assert.equal(parseVmx(doc.toString()).get('unknown.vendor.key'), 'new "value"');
  });

  it('set of an unchanged value leaves the line alone (even lower-case escapes)', () => {
    const text = 'a = "x|7cy"\n';
    const doc = parseVmx(text);
    doc.set('a', 'x|y');
    assert.equal(doc.toString(), text);
  });

  it('set on a duplicated key changes the winning (last) line', () => {
    const doc = parseVmx('a = "1"\nb = "2"\nA = "3"\n');
    doc.set('a', '4');
    assert.equal(doc.toString(), 'a = "1"\nb = "2"\nA = "4"\n');
    assert.equal(doc.get('a'), '4');
  });

  it('appends new keys at the end with the file\'s line ending', () => {
    const doc = parseVmx('a = "1"\r\nb = "2"\r\n');
    doc.set('c.d', 'x"y');
    assert.equal(doc.toString(), 'a = "1"\r\nb = "2"\r\nc.d = "x|22y"\r\n');
    const empty = parseVmx('');
    empty.set('k', 'v');
    assert.equal(empty.toString(), 'k = "v"\n');
  });

  it('appending to a file without a final newline keeps it without one', () => {
    const text = fixture('weird.vmx');
    const doc = parseVmx(text);
    doc.set('new.key', 'v');
    assert.equal(doc.toString(), text + '\nnew.key = "v"');
  });

  it('delete removes every line of the key and nothing else', () => {
    const doc = parseVmx('# head\na = "1"\nb = "2"\nA = "3" # c\nc = "4"\n');
    assert.equal(doc.delete('a'), true);
    assert.equal(doc.toString(), '# head\nb = "2"\nc = "4"\n');
    assert.equal(doc.delete('a'), false);
    assert.equal(doc.has('A'), false);
  });

  it('deleting the last line of a file without a final newline keeps it without one', () => {
    const doc = parseVmx('a = "1"\nb = "2"');
    doc.delete('b');
    assert.equal(doc.toString(), 'a = "1"');
  });

  it('delete on a fixture keeps the rest byte-identical', () => {
    const text = fixture('workstation.vmx');
    const doc = parseVmx(text);
    doc.delete('sound.present');
    assert.equal(doc.toString(), text.replace('sound.present = "TRUE"\n', ''));
  });

  it('clone is independent', () => {
    const doc = parseVmx('a = "1"\n');
    const copy = doc.clone();
    copy.set('a', '2');
    copy.set('b', '3');
    assert.equal(doc.toString(), 'a = "1"\n');
    assert.equal(copy.toString(), 'a = "2"\nb = "3"\n');
  });

  it('refuses keys and values VMware could not read back', () => {
    const doc = parseVmx('');
    for (const key of ['', 'a b', 'a=b', 'a#b', 'a"b', 'a\nb', 'a\tb']) {
      assert.throws(() => doc.set(key, 'v'), isKind('invalid_argument', /key/), JSON.stringify(key));
    }
    assert.throws(() => doc.set('k', 'a\0b'), isKind('invalid_argument', /NUL/));
    assert.equal(doc.toString(), '');
  });
});

describe('escapes', () => {
  it('decodes |XX as bytes, in either case, UTF-8 aware; other | are literal', () => {
    assert.equal(decodeVmxValue('a|22b'), 'a"b');
    assert.equal(decodeVmxValue('|7C|7c'), '||');
    assert.equal(decodeVmxValue('x|0Ay|0d|0a'), 'x\ny\r\n');
    assert.equal(decodeVmxValue('caf|C3|A9'), 'café');
    assert.equal(decodeVmxValue('|zz|2|'), '|zz|2|');
    assert.equal(decodeVmxValue('|2'), '|2');
    assert.equal(decodeVmxValue('100|25'), '100%');
    assert.equal(decodeVmxValue('plain'), 'plain');
  });

  it('encodes what VMware encodes: quote, pipe, DEL, control characters but tab', () => {
    assert.equal(encodeVmxValue('a"b|c'), 'a|22b|7Cc');
    assert.equal(encodeVmxValue('l1\nl2\r\n'), 'l1|0Al2|0D|0A');
    assert.equal(encodeVmxValue('tab\tstays'), 'tab\tstays');
    assert.equal(encodeVmxValue('\u007f\u0001'), '|7F|01');
    assert.equal(encodeVmxValue('café # 日本'), 'café # 日本');
  });

  it('encodes every ASCII character as written here by hand: 0x00-0x1F but tab, ", | and DEL', () => {
    let ascii = '';
    for (let c = 0; c < 0x80; c++) ascii += String.fromCharCode(c);
    const expected =
      '|00|01|02|03|04|05|06|07|08' +
      '\t' +
      '|0A|0B|0C|0D|0E|0F|10|11|12|13|14|15|16|17|18|19|1A|1B|1C|1D|1E|1F' +
      " !|22#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|7C}~" +
      '|7F';
    assert.equal(encodeVmxValue(ascii), expected);
    assert.equal(encodeVmxValue('\u001f'), '|1F');
    assert.equal(encodeVmxValue('\u0020'), ' ');
    assert.equal(encodeVmxValue('\u0080\u00ff'), '\u0080\u00ff', 'bytes 0x80-0xFF (UTF-8) stay');
  });

  it('decodes the hex digit boundaries and leaves non-hex | pairs alone', () => {
    assert.equal(decodeVmxValue('|30|39|41|46|61|66|4a|4A|6f|6F'), '09AFafJJoo');
    assert.equal(decodeVmxValue('|09|1f|1F|7f'), '\t\u001f\u001f\u007f');
    for (const literal of ['|/0', '|:0', '|@0', '|G0', '|`0', '|g0', '|0/', '|0:', '|0G', '|0g', 'x|', '|', '||']) {
      assert.equal(decodeVmxValue(literal), literal, literal);
      assert.equal(decodeVmxValue(`|41${literal}`), `A${literal}`, `after an escape: ${literal}`);
    }
  });

  it('encode then decode is the identity', () => {
    const samples = ['', 'x', '"|"', '|22', '\n\r\t', 'a|7Cb', 'é|C3', '\u0000\u001f\u007f', '# not a comment'];
    for (const s of samples) assert.equal(decodeVmxValue(encodeVmxValue(s)), s, JSON.stringify(s));
  });

  it('set/get through a file round-trips any value', () => {
    const doc = parseVmx('');
    const value = 'He said "hi" | bye\nnext line\ttab ✓';
    doc.set('annotation', value);
    assert.equal(doc.toString(), 'annotation = "He said |22hi|22 |7C bye|0Anext line\ttab ✓"\n');
    assert.equal(parseVmx(doc.toString()).get('annotation'), value);
  });
});

describe('invalid input', () => {
  it('throws invalid_argument for NUL bytes', () => {
    assert.throws(() => parseVmx('a = "1"\nb = "\0"\n'), isKind('invalid_argument', /NUL.*line 2/));
  });

  it('throws invalid_argument above 1 MiB, accepts exactly 1 MiB', () => {
    const line = 'k = "' + 'x'.repeat(1017) + '"\n'; // 1024 bytes
    const mib = line.repeat(1024);
    assert.equal(Buffer.byteLength(mib), MAX_VMX_BYTES);
    assert.equal(parseVmx(mib).get('k')?.length, 1017);
    assert.throws(() => parseVmx(mib + 'x'), isKind('invalid_argument', /larger than 1048576 bytes/));
    // multi-byte characters count as bytes
    assert.throws(() => parseVmx('é'.repeat(MAX_VMX_BYTES / 2 + 1)), isKind('invalid_argument'));
  });

  it('never throws for malformed lines', () => {
    const junk = '=\n==\n"\n"""\n# \n k\n k = "\n k = "a" b\n\u0001\u0002 = \u0003\n';
    const doc = parseVmx(junk);
    assert.equal(doc.toString(), junk);
    assert.deepEqual(doc.keys(), ['\u0001\u0002']);
  });
});

/** invalid_argument from core.vmx with exactly `message` (and `details` when given). */
function refusal(message: string, details?: Record<string, unknown>): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof VmgateError, `expected a VmgateError, got ${String(e)}`);
    assert.deepEqual([e.kind, e.module, e.message], ['invalid_argument', 'core.vmx', message]);
    if (details !== undefined) assert.deepEqual(e.details, details);
    return true;
  };
}

describe('.vmx refusals, word for word', () => {
  it('parse: not text, NUL anywhere (the first character too), too large; each names what is wrong', () => {
    assert.throws(() => parseVmx(42 as unknown as string), refusal('a .vmx must be text'));
    assert.throws(() => parseVmx('\0a = "1"\n'), refusal('the .vmx contains a NUL byte (line 1); it is not a text file', { line: 1 }));
    assert.throws(() => parseVmx('a = "1"\nb = "2"\nc = "\0"\n'), refusal('the .vmx contains a NUL byte (line 3); it is not a text file', { line: 3 }));
    assert.throws(() => parseVmx('x'.repeat(MAX_VMX_BYTES + 1)), refusal('the .vmx is larger than 1048576 bytes; refusing to parse it', { bytes: 1048577 }));
  });

  it('set: keys with DEL or that are not text, values that are not text or hold NUL', () => {
    const doc = parseVmx('a = "1"\n');
    assert.throws(() => doc.set('a\u007fb', 'v'), refusal('invalid .vmx key "a\u007fb": keys have no spaces, tabs, \'=\', \'#\', quotes or control characters'));
    assert.throws(() => doc.set(42 as unknown as string, 'v'), refusal('invalid .vmx key 42: keys have no spaces, tabs, \'=\', \'#\', quotes or control characters'));
    assert.throws(() => doc.set('k', 'a\0b'), refusal('invalid value for .vmx key "k": it must be text without NUL characters'));
    assert.throws(() => doc.set('k', 7 as unknown as string), refusal('invalid value for .vmx key "k": it must be text without NUL characters'));
    assert.equal(doc.toString(), 'a = "1"\n');
  });
});

describe('.vmx documents: more edges', () => {
  it('a byte-order mark is not part of the first key', () => {
    const doc = parseVmx('\uFEFFa = "1"\nb = "2"\n');
    assert.deepEqual(doc.keys(), ['a', 'b']);
    assert.equal(doc.get('a'), '1');
    // a BOM elsewhere than the start is text
    assert.deepEqual(parseVmx('a = "1"\uFEFF\n').keys(), []);
  });

  it('has() is case-insensitive both ways', () => {
    const doc = parseVmx('memsize = "1"\nNumVCPUs = "2"\n');
    assert.deepEqual([doc.has('memsize'), doc.has('MEMSIZE'), doc.has('numvcpus'), doc.has('NUMVCPUS'), doc.has('mem')], [true, true, true, true, false]);
  });

  it('a new key can be read back, changed and deleted', () => {
    const doc = parseVmx('a = "1"\n');
    doc.set('New.Key', 'v1');
    assert.equal(doc.get('new.key'), 'v1');
    assert.equal(doc.has('NEW.KEY'), true);
    doc.set('new.key', 'v2');
    assert.equal(doc.toString(), 'a = "1"\nNew.Key = "v2"\n');
    assert.equal(doc.delete('NEW.key'), true);
    assert.equal(doc.toString(), 'a = "1"\n');
  });

  it('a bare value replaced by another bare-safe one stays bare (a quote is escaped, so it may); one with a space or # is quoted', () => {
    const doc = parseVmx('k = v\nq = w\nr = x\ns = y\n');
    doc.set('k', 'abc.def');
    doc.set('q', 'two words');
    doc.set('r', '"x');
    doc.set('s', 'a#b');
    assert.equal(doc.toString(), 'k = abc.def\nq = "two words"\nr = |22x\ns = "a#b"\n');
    assert.deepEqual(parseVmx(doc.toString()).entries(), [['k', 'abc.def'], ['q', 'two words'], ['r', '"x'], ['s', 'a#b']]);
  });

  it('a one-line file without a newline: a new key goes on a new line with \\n, still no final newline', () => {
    const doc = parseVmx('a = "1"');
    doc.set('k', 'v');
    assert.equal(doc.toString(), 'a = "1"\nk = "v"');
    const crlf = parseVmx('a = "1"\r\nb = "2"');
    crlf.set('k', 'v');
    assert.equal(crlf.toString(), 'a = "1"\r\nb = "2"\r\nk = "v"');
  });

  it('deleting the last key keeps the final newline when there was one; deleting the only line leaves nothing', () => {
    const doc = parseVmx('a = "1"\nb = "2"\n');
    doc.delete('b');
    assert.equal(doc.toString(), 'a = "1"\n');
    const one = parseVmx('a = "1"');
    assert.equal(one.delete('a'), true);
    assert.equal(one.toString(), '');
    const middle = parseVmx('a = "1"\nb = "2"\nc = "3"');
    middle.delete('b');
    assert.equal(middle.toString(), 'a = "1"\nc = "3"');
  });
});
