import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArguments, shellQuote } from '../../../src/faces/vapi/handlers/guest-args.ts';
import { programSpec } from '../../../src/faces/vapi/handlers/guest-processes.ts';
import { guestOsFamily, guestOsFullName } from '../../../src/faces/vapi/handlers/guest-os-names.ts';
import { vapiGuestOs } from '../../../src/faces/vapi/handlers/vm-guest-os.ts';
import { guestPowerState } from '../../../src/faces/vapi/handlers/guest-power.ts';

describe('guest processes: the arguments string split as a POSIX shell would', () => {
  const words = (s: string) => parseArguments(s).args;

  it('blanks separate words; runs of blanks and edges make no empty words', () => {
    assert.deepEqual(words(''), []);
    assert.deepEqual(words('   '), []);
    assert.deepEqual(words('a b\tc'), ['a', 'b', 'c']);
    assert.deepEqual(words('  -l   /tmp  '), ['-l', '/tmp']);
  });

  it("single quotes are literal, double quotes keep blanks and honour \\ before $ ` \" \\", () => {
    assert.deepEqual(words("'a b' c"), ['a b', 'c']);
    assert.deepEqual(words(`'it\\s' x`), ['it\\s', 'x']);
    assert.deepEqual(words('"a  b" "c\\"d" "e\\\\f" "g\\h"'), ['a  b', 'c"d', 'e\\f', 'g\\h']);
    assert.deepEqual(words(`"it's"`), ["it's"]);
    assert.deepEqual(words(`'say "hi"'`), ['say "hi"']);
  });

  it('quotes join with adjacent text; empty quotes make an empty word', () => {
    assert.deepEqual(words(`a'b c'd"e f"g`), ['ab cde fg']);
    assert.deepEqual(words(`'' ""`), ['', '']);
    assert.deepEqual(words(`x ''`), ['x', '']);
  });

  it('backslash escapes the next character outside quotes; a trailing one stays; \\newline joins', () => {
    assert.deepEqual(words('a\\ b c'), ['a b', 'c']);
    assert.deepEqual(words("\\'x"), ["'x"]);
    assert.deepEqual(words('end\\'), ['end\\']);
    assert.deepEqual(words('ab\\\ncd'), ['abcd']);
  });

  it('the -c script of sh stays one word', () => {
    assert.deepEqual(parseArguments(`-c 'echo hi > /tmp/out.txt'`), { args: ['-c', 'echo hi > /tmp/out.txt'], shellSyntax: false });
  });

  it('unterminated quotes are invalid_argument naming the place', () => {
    assert.throws(() => parseArguments(`a 'b c`), (e: Error & { kind?: string }) => e.kind === 'invalid_argument' && /single quote at character 3/.test(e.message));
    assert.throws(() => parseArguments(`"b`), (e: Error & { kind?: string }) => e.kind === 'invalid_argument' && /double quote/.test(e.message));
    assert.throws(() => parseArguments('a\0b'), (e: Error & { kind?: string }) => e.kind === 'invalid_argument');
  });

  it('shell syntax outside single quotes is noticed; quoted it is not', () => {
    for (const s of ['hi > /tmp/x', 'a | b', 'a; b', 'a && b', '$HOME', '"$HOME"', '`id`', '*.txt', 'a?', '~/x', '# note', '< in', '(x)']) {
      assert.equal(parseArguments(s).shellSyntax, true, s);
    }
    for (const s of ["'a > b'", '"a > b"', 'a\\>b', 'a~b', 'a#b', "'$HOME'", '--opt=value', '-l /tmp']) {
      assert.equal(parseArguments(s).shellSyntax, false, s);
    }
  });

  it('shellQuote round-trips through parseArguments', () => {
    for (const w of ['plain', '', 'a b', "it's", '$x', 'a"b', 'back\\slash', '/usr/bin/env']) {
      assert.deepEqual(parseArguments(shellQuote(w)).args, [w], w);
    }
  });

  it('programSpec: plain words go to the program, shell syntax through /bin/sh -c', () => {
    assert.deepEqual(programSpec({ path: '/bin/echo', arguments: 'a "b c"', working_directory: '/tmp', environment_variables: { X: '1' } }), { captureOutput: false, cwd: '/tmp', env: { X: '1' }, path: '/bin/echo', args: ['a', 'b c'] });
    assert.deepEqual(programSpec({ path: '/bin/echo', arguments: 'hi > /tmp/x' }), { captureOutput: false, path: '/bin/sh', args: ['-c', '/bin/echo hi > /tmp/x'] });
    assert.deepEqual(programSpec({ path: '/opt/my tool' }), { captureOutput: false, path: '/opt/my tool', args: [] });
    assert.deepEqual(programSpec({ path: '/opt/my tool', arguments: '| cat' }).args, ['-c', "'/opt/my tool' | cat"]);
  });
});

describe('guest identity and power mappings', () => {
  it('.vmx guestOS identifiers become vSphere guest_OS values (vm-guest-os.ts, as identity uses it)', () => {
    const cases: [string, string][] = [
      ['otherlinux-64', 'OTHER_LINUX_64'],
      ['otherlinux', 'OTHER_LINUX'],
      ['other', 'OTHER'],
      ['other-64', 'OTHER_64'],
      ['windows9-64', 'WINDOWS_9_64'],
      ['windows9srv-64', 'WINDOWS_9_SERVER_64'],
      ['windows2019srv-64', 'WINDOWS_SERVER_2019'],
      ['rhel8-64', 'RHEL_8_64'],
      ['ubuntu-64', 'UBUNTU_64'],
      ['debian11-64', 'DEBIAN_11_64'],
      ['other5xlinux-64', 'OTHER_5X_LINUX_64'],
      ['oraclelinux8-64', 'ORACLE_LINUX_8_64'],
      ['amazonlinux2-64', 'AMAZONLINUX2_64'],
      ['freebsd13-64', 'FREEBSD_13_64'],
      ['darwin21-64', 'DARWIN_21_64'],
      ['winxppro', 'WIN_XP_PRO'],
      ['somethingnew-64', 'OTHER_64'],
    ];
    for (const [vmx, want] of cases) assert.equal(vapiGuestOs(vmx), want, vmx);
  });

  it('families and full names', () => {
    assert.equal(guestOsFamily('OTHER_LINUX_64'), 'LINUX');
    assert.equal(guestOsFamily('UBUNTU_64'), 'LINUX');
    assert.equal(guestOsFamily('WINDOWS_9_64'), 'WINDOWS');
    assert.equal(guestOsFamily('WIN_XP_PRO'), 'WINDOWS');
    assert.equal(guestOsFamily('SOLARIS_11_64'), 'SOLARIS');
    assert.equal(guestOsFamily('DARWIN_21_64'), 'DARWIN');
    assert.equal(guestOsFamily('FREEBSD_13_64'), 'OTHER');
    assert.equal(guestOsFullName('OTHER_LINUX_64').default_message, 'Other Linux (64-bit)');
    assert.equal(guestOsFullName('SLES_15_64').default_message, 'Sles 15 (64-bit)');
    assert.deepEqual(guestOsFullName('WINDOWS_9_64'), { id: 'vmgate.guest_os.WINDOWS_9_64', default_message: 'Microsoft Windows 10 (64-bit)', args: [] });
  });

  it('guest power state follows the VM power and tools state', () => {
    assert.equal(guestPowerState({ powerState: 'poweredOn', toolsState: 'running' }), 'RUNNING');
    assert.equal(guestPowerState({ powerState: 'poweredOn', toolsState: 'unknown' }), 'UNAVAILABLE');
    assert.equal(guestPowerState({ powerState: 'poweredOff', toolsState: 'unknown' }), 'NOT_RUNNING');
    assert.equal(guestPowerState({ powerState: 'poweringOff', toolsState: 'running' }), 'SHUTTING_DOWN');
    assert.equal(guestPowerState({ powerState: 'resetting', toolsState: 'running' }), 'RESETTING');
    assert.equal(guestPowerState({ powerState: 'suspended', toolsState: 'unknown' }), 'STANDBY');
    assert.equal(guestPowerState({ powerState: 'paused', toolsState: 'running' }), 'UNAVAILABLE');
  });
});
