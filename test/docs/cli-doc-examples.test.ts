/**
 * Every command example of docs/cli.md runs, block by block in the page's order, through
 * the real `vmgate` CLI against a real server (the demo inventory the page was written
 * with). In a `console` block, `$ command` runs through sh (pipes, `echo … |`, `< file`,
 * `VAR=value` prefixes, jq as written) with `vmgate` on the PATH; the lines after it are
 * its output: `vmgate: …` lines (and the indented lines after them) on stderr, the rest on
 * stdout; `$ echo $?` checks the exit code; `export` sets the variable for the rest of
 * the block. In an `sh` block without `$`, every line is a command that must succeed.
 * Blocks that show a terminal (a password prompt, a question) run under a pseudo-terminal
 * (util-linux `script`) and the test types the answers when the prompts appear.
 *
 * What may differ from the page (it says ids, times and free space will differ): ids
 * (vm-, snapshot-, user-, pool-, entitlement-: the first match maps the page's id to this
 * server's, and the page's id is replaced in later commands and must then be the same),
 * GUIDs (mapped the same way), times, MAC and BIOS addresses, sizes in GiB, fingerprints and
 * other "…", and column widths. The page's server names, files and directories are
 * replaced by this test's. A block's preconditions that the page does not show are set
 * up by hand here (SETUPS); a block that is not an example is named in NOT_EXAMPLES.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/test-server.ts';
import { REPO_ROOT } from '../support/qemu-guest.ts';
import { skipUnlessAvailable } from '../support/ci.ts';
import { extractFences, type DocFence } from './doc-examples.ts';

const PAGE = join(REPO_ROOT, 'docs/cli.md');
const blocks = extractFences(PAGE, ['sh', 'console']);

/** Blocks that show no command to run, by their first line. */
const NOT_EXAMPLES = new Map([['node bin/vmgate.mjs <command> …     # from a checkout; `npm link` puts `vmgate` on the PATH', 'a placeholder for any command']]);

interface Step {
  readonly line: number;
  readonly command: string;
  readonly output: readonly string[];
}

/** `$ command` and the output lines after it; blank lines separate nothing. */
function steps(f: DocFence): Step[] {
  const out: { line: number; command: string; output: string[] }[] = [];
  f.text.split('\n').forEach((l, i) => {
    if (l.startsWith('$ ')) out.push({ line: f.line + i, command: l.slice(2), output: [] });
    else if (l.trim() !== '') {
      assert.ok(out.length > 0, `${f.line + i}: output before any $ command`);
      out.at(-1)!.output.push(l);
    }
  });
  return out;
}

const PASSWORD_PROMPT = /Password for administrator at [^\n]*: ?$/;

/** Documented volatile parts: `re` finds one in the page, `actual` (else `re`) matches this server's. */
const VOLATILE: readonly { readonly re: RegExp; readonly actual?: RegExp; readonly map: boolean }[] = [
  // The page's elided fingerprints (3F:A2:…:9C): a whole SHA-256 fingerprint.
  { re: /\b[0-9A-F]{2}:[0-9A-F]{2}:…:[0-9A-F]{2}\b/, actual: /(?:[0-9A-F]{2}:){31}[0-9A-F]{2}/, map: false },
  { re: /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, map: true },
  { re: /\b(?:vm|snapshot|user|pool|entitlement)-\d+\b/, map: true },
  { re: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/, map: false },
  { re: /\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b/, map: false },
  { re: /\b\d+(?:\.\d+)? GiB\b/, map: false },
  // A desktop's console: its port and one-time token; a generated password.
  { re: /(?<=vnc:\/\/127\.0\.0\.1:)\d+/, map: false },
  { re: /(?<=token: )\S{8}/, map: false },
  { re: /(?<=password: )\S{16,}(?= +\(shown once\))/, map: false },
  // A VM's console: its port, one-time VNC password and WebSocket ticket.
  { re: /(?<=vnc:\/\/:)\w{8}(?=@)/, map: false },
  { re: /(?<=@127\.0\.0\.1:)\d+/, map: false },
  { re: /(?<=password: )\w{8}(?= +\(VNC authentication)/, map: false },
  { re: /(?<=^ *"password": ")\w{8}(?=",?$)/, actual: /\w{8}/, map: false },
  { re: /(?<=^ *"port": )\d+(?=,$)/, actual: /\d+/, map: false },
  { re: /(?<=\/console\/vnc\/)\S+$/, actual: /\S+/, map: false },
];

describe('docs/cli.md: every command example, run against a server', () => {
  let s: TestServer;
  let dir: string;
  let binDir: string;
  let caFile: string;
  let passwordFile: string;
  let fingerprint: string;
  /** The page's ids and GUIDs → this server's. */
  const ids = new Map<string, string>();
  /** The page's names for things → this test's, longest first. */
  let places: [string, string][] = [];
  let configDir = '';
  /** A second server for the block on the broker's disclaimer, domains and an expired password. */
  let other: TestServer | undefined;

  before(async () => {
    s = await startTestServer({ simSpeed: 1000 });
    dir = await mkdtemp(join(tmpdir(), 'vmgate-clidoc-'));
    binDir = join(dir, 'bin');
    await mkdir(binDir);
    await writeFile(join(binDir, 'vmgate'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(REPO_ROOT, 'bin/vmgate.mjs'))} "$@"\n`);
    await chmod(join(binDir, 'vmgate'), 0o755);
    caFile = join(dir, 'server.crt');
    await writeFile(caFile, s.ca);
    passwordFile = join(dir, 'initial-admin-password');
    await writeFile(passwordFile, `${ADMIN_PASSWORD}\n`);
    fingerprint = new X509Certificate(s.ca).fingerprint256;
    const other = `https://localhost:${s.port}`; // another URL of the same server: nothing stored for it
    places = [
      ['https://localhost:8443', s.baseUrl],
      ['https://vmgate.example:8443', other],
      ['wss://vmgate.example:8443', `wss://127.0.0.1:${s.port}`],
      ['/srv/vmgate/data/tls/server.crt', caFile],
      ['data/tls/server.crt', caFile],
      ['server.crt', caFile],
      ['data/initial-admin-password', passwordFile],
      ['/srv/vmgate/data', s.dataDir],
      ['/var/lib/vmgate', s.dataDir],
      ['/home/me/.config/vmgate', '<config>'],
      // The datastore examples' local directories.
      ['/srv/isos', join(dir, 'isos')],
      ['iso/debian-12.iso /tmp/', `iso/debian-12.iso ${join(dir, 'downloads')}/`],
      ['/tmp/debian-12.iso', join(dir, 'downloads', 'debian-12.iso')],
    ];
    // A VNC viewer for `vncviewer …` and `connect --open`: it records its arguments and password.
    await writeFile(join(binDir, 'vncviewer'), `#!/bin/sh\necho "$@" "$VMGATE_VNC_PASSWORD" >> ${JSON.stringify(join(dir, 'vncviewer.log'))}\n`);
    await chmod(join(binDir, 'vncviewer'), 0o755);
  });
  after(async () => {
    await s?.close();
    await other?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The page's names → this test's: in commands everything (and the fingerprint, and the page's ids), in output only URLs (https:, wss:) and absolute paths. */
  const toServer = (text: string, inCommand = true): string => {
    let out = inCommand ? text.replace(/3F:A2:…:9C/g, fingerprint) : text;
    // One pass, longest first: a replacement is not replaced again.
    const alternatives = places.filter(([from]) => inCommand || /^(\/|https:|wss:)/.test(from)).sort((a, b) => b[0].length - a[0].length);
    const byName = new Map(alternatives);
    out = out.replace(new RegExp(alternatives.map(([from]) => from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g'), (m) => byName.get(m)!.replace('<config>', configDir));
    if (inCommand) for (const [from, to] of [...ids].sort((a, b) => b[0].length - a[0].length)) out = out.replace(new RegExp(`(?<![\\w-])${from}(?![\\w-])`, 'g'), to);
    return out;
  };

  /** A documented output line as a pattern: volatile parts captured, "…" anything, spaces any run of spaces. */
  function matchLine(documented: string, actual: string): string | null {
    const doc = toServer(documented, false);
    let pattern = '';
    const kinds: boolean[] = [];
    const docTokens: string[] = [];
    let rest = doc;
    while (rest.length > 0) {
      let best: { i: number; len: number; map: boolean; re: RegExp } | null = null;
      for (const v of VOLATILE) {
        const m = v.re.exec(rest);
        if (m && (!best || m.index < best.i)) best = { i: m.index, len: m[0].length, map: v.map, re: v.actual ?? v.re };
      }
      const literal = best ? rest.slice(0, best.i) : rest;
      pattern += literal
        .split('…')
        .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ +/g, ' +'))
        .join('.*?');
      if (!best) break;
      docTokens.push(rest.slice(best.i, best.i + best.len));
      kinds.push(best.map);
      pattern += `(${best.re.source})`;
      rest = rest.slice(best.i + best.len);
    }
    const m = new RegExp(`^ *${pattern} *$`).exec(actual);
    if (!m) return `documented ${JSON.stringify(documented)}\n     got ${JSON.stringify(actual)}`;
    // An id of the same kind; the page's id stands for this one in later commands.
    for (let i = 0; i < docTokens.length; i++) {
      if (!kinds[i]) continue;
      const d = docTokens[i]!;
      const a = m[i + 1]!;
      if (d.replace(/-\d+$/, '') !== a.replace(/-\d+$/, '') && !/^[0-9a-f-]{36}$/.test(d)) return `${d} documented, got ${a}`;
      if (d !== a) ids.set(d, a);
      else ids.delete(d);
    }
    return null;
  }

  function compare(what: string, documented: readonly string[], actual: string): void {
    const got = actual.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n').filter((l, i, all) => !(l === '' && all.length === 1));
    const diffs: string[] = [];
    const gap = documented.indexOf('…');
    if (gap >= 0) {
      // A line "…": any number of lines there.
      const head = documented.slice(0, gap);
      const tail = documented.slice(gap + 1);
      if (got.length < head.length + tail.length) diffs.push(`at least ${head.length + tail.length} lines documented, got ${got.length}:\n${actual}`);
      else [...head.map((d, i) => [d, got[i]!]), ...tail.map((d, i) => [d, got[got.length - tail.length + i]!])].forEach(([d, g]) => {
        const why = matchLine(d!, g!);
        if (why) diffs.push(why);
      });
    } else if (got.length !== documented.length) diffs.push(`${documented.length} lines documented, got ${got.length}:\n${actual}`);
    else documented.forEach((d, i) => {
      const why = matchLine(d, got[i]!);
      if (why) diffs.push(why);
    });
    assert.deepEqual(diffs, [], what);
  }

  /**
   * The documented lines, in order, are the lines of stdout and of stderr interleaved (a
   * terminal shows both; which came first between the two cannot be known from pipes). A
   * documented "…" stands for the rest of stdout up to the next documented line.
   */
  function interleaved(what: string, documented: readonly string[], r: Run): void {
    const split = (t: string): string[] => (t === '' ? [] : t.replace(/\n$/, '').split('\n'));
    const out = split(r.stdout);
    const err = split(r.stderr);
    let o = 0;
    let e = 0;
    const diffs: string[] = [];
    for (let i = 0; i < documented.length && diffs.length === 0; i++) {
      const d = documented[i]!;
      if (d === '…') {
        const next = documented[i + 1];
        while (o < out.length && (next === undefined || matchLine(next, out[o]!) !== null)) o++;
        continue;
      }
      if (o < out.length && matchLine(d, out[o]!) === null) o++;
      else if (e < err.length && matchLine(d, err[e]!) === null) e++;
      else diffs.push(`documented ${JSON.stringify(d)}; next on stdout ${JSON.stringify(out[o] ?? null)}; next on stderr ${JSON.stringify(err[e] ?? null)}\n  ${(o < out.length ? matchLine(d, out[o]!) : null) ?? (e < err.length ? matchLine(d, err[e]!) : '')}`);
    }
    if (diffs.length === 0 && (o < out.length || e < err.length)) diffs.push(`not documented: ${JSON.stringify([...out.slice(o), ...err.slice(e)])}`);
    assert.deepEqual(diffs, [], `${what}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`);
  }

  interface Run {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
  }
  function sh(command: string, env: Record<string, string>, terminal?: readonly { readonly when: RegExp; readonly type: string }[]): Promise<Run> {
    const childEnv: NodeJS.ProcessEnv = { PATH: `${binDir}:${process.env.PATH}`, HOME: dir, VMGATE_CONFIG_DIR: configDir, NO_COLOR: '1', ...env };
    const argv = terminal ? ['script', '-qfec', command, '/dev/null'] : ['sh', '-c', command];
    return new Promise((res, rej) => {
      const child = spawn(argv[0]!, argv.slice(1), { cwd: dir, env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      // Each answer once, typed when its prompt appears after the last answer.
      const answers = [...(terminal ?? [])];
      let from = 0;
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString('utf8');
        const shown = stripVTControlCharacters(stdout.slice(from));
        const i = answers.findIndex((a) => a.when.test(shown));
        if (i >= 0) {
          child.stdin.write(answers.splice(i, 1)[0]!.type);
          from = stdout.length;
        }
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        rej(new Error(`${command}: no end in 60 s\n${stdout}\n${stderr}`));
      }, 60_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        res({ code, stdout, stderr });
      });
      if (!terminal) child.stdin.end();
    });
  }

  const core = () => s.server.core;
  const ensurePower = async (name: string, want: 'poweredOn' | 'poweredOff'): Promise<void> => {
    const vm = (await core().vms.find(name))!;
    if (vm.powerState !== want) await core().tasks.result(SYSTEM_CALLER, await core().power.run(SYSTEM_CALLER, vm.id, want === 'poweredOn' ? 'powerOn' : 'powerOff'));
  };
  const login = async (): Promise<void> => {
    const r = await sh(`vmgate login --server ${s.baseUrl} --ca ${caFile} --password-stdin < ${passwordFile}`, {});
    assert.equal(r.code, 0, r.stderr);
  };

  /**
   * Per block (by its first line): run under a terminal with these answers, start without a
   * login, or prepare what the page takes for granted. Every other block starts logged in
   * (a fresh configuration directory and `vmgate login --ca`).
   */
  const BLOCKS: Record<string, { terminal?: { when: RegExp; type: string }[]; fresh?: boolean; setup?: () => Promise<void> }> = {
    // Login with --ca, then with the fingerprint: a terminal for the password prompts.
    'vmgate login --server https://vmgate.example:8443 --ca server.crt     # the server\'s data/tls/server.crt': {
      fresh: true,
      terminal: [{ when: PASSWORD_PROMPT, type: `${ADMIN_PASSWORD}\r` }],
    },
    '$ vmgate login --server https://localhost:8443 --password-stdin < data/initial-admin-password': { fresh: true },
    // The certificate the client pinned is not the one the server shows now.
    '$ vmgate vm list\nvmgate: TLS_ERROR': {
      fresh: true,
      setup: async () => {
        const r = await sh(`vmgate login --server ${s.baseUrl} --fingerprint ${fingerprint} --password-stdin < ${passwordFile}`, {});
        assert.equal(r.code, 0, r.stderr);
        const file = join(configDir, 'servers.json');
        const known = await readFile(file, 'utf8');
        assert.ok(known.includes(fingerprint));
        await writeFile(file, known.replaceAll(fingerprint, fingerprint.replace(/^[0-9A-F]{2}/, fingerprint.startsWith('00') ? '01' : '00')));
      },
    },
    // A session, but no trust stored (--insecure is never stored).
    '$ vmgate host list\nvmgate: TLS_ERROR': {
      fresh: true,
      setup: async () => {
        const r = await sh(`vmgate login --server ${s.baseUrl} --insecure --password-stdin < ${passwordFile}`, {});
        assert.equal(r.code, 0, r.stderr);
      },
    },
    '$ vmgate user list': {
      setup: async () => {
        if (await core().identity.resolveUser('alice').catch(() => null)) await core().identity.deleteUser(SYSTEM_CALLER, 'alice');
      },
    },
    '$ vmgate pool entitle lab alice group:nobody': {
      setup: async () => {
        await core().identity.createUser(SYSTEM_CALLER, { name: 'alice', password: 'alice-password-1' });
      },
    },
    '$ vmgate login --server https://localhost:8443 --ca data/tls/server.crt': {
      fresh: true,
      setup: async () => {
        await core().identity.createUser(SYSTEM_CALLER, { name: 'alice', password: 'alice-password-1' });
      },
      terminal: [
        { when: PASSWORD_PROMPT, type: `${ADMIN_PASSWORD}\r` },
        { when: /\[y\/N\] $/, type: 'y\r' },
      ],
    },
    '$ vmgate vm get twin': {
      setup: async () => {
        for (const n of ['twin', 'twin']) await core().vms.create(SYSTEM_CALLER, { name: n, placement: { library: true } });
      },
    },
    '$ vmgate vm delete web-02': {
      setup: async () => {
        const web01 = (await core().vms.find('web-01'))!;
        await core().vms.create(SYSTEM_CALLER, { name: 'web-02', placement: { hostId: web01.hostId! } });
      },
    },
    '$ vmgate vm power on web-01 DC0_H0_VM1': { setup: () => ensurePower('DC0_H0_VM1', 'poweredOff') },
    '$ vmgate guest run DC0_H0_VM0 --guest-user root -- uname -a': { setup: () => ensurePower('DC0_H0_VM0', 'poweredOn') },
    '$ vmgate guest copy-in DC0_H0_VM0 ./big.bin /tmp/ --guest-user root': {
      setup: async () => {
        await ensurePower('DC0_H0_VM0', 'poweredOn');
        await writeFile(join(dir, 'big.bin'), Buffer.alloc(3_000_000, 7));
        await mkdir(join(dir, 'out'), { recursive: true });
      },
    },
    '$ vmgate user create alice --full-name "Alice Example"': {
      setup: async () => {
        if (await core().identity.resolveUser('alice').catch(() => null)) await core().identity.deleteUser(SYSTEM_CALLER, 'alice');
      },
    },
    '$ vmgate user set-password administrator --data-dir /srv/vmgate/data': {
      terminal: [
        { when: /New password for administrator:\s*$/, type: `${ADMIN_PASSWORD}\r` },
        { when: /Again:\s*$/, type: `${ADMIN_PASSWORD}\r` },
      ],
      setup: async () => {
        await writeFile(join(s.dataDir, 'initial-admin-password'), `${ADMIN_PASSWORD}\n`);
      },
    },
    '$ VMGATE_PASSWORD=… vmgate desktop list --user demo': {},
    // A broker started with --view-disclaimer and --view-domains; demo's password has expired.
    '$ VMGATE_PASSWORD=… vmgate desktop list --user demo\nvmgate: DISCLAIMER_REQUIRED': {
      fresh: true,
      setup: async () => {
        other = await startTestServer({ simSpeed: 1000, viewDisclaimer: 'Authorised use only.', viewDomains: ['VMGATE', 'LAB'] });
        await other.server.core.identity.updateUser(SYSTEM_CALLER, 'demo', { mustChangePassword: true });
        const ca = join(dir, 'other.crt');
        await writeFile(ca, other.ca);
        const r = await sh(`vmgate login --server ${other.baseUrl} --ca ${ca} --password-stdin < ${passwordFile}`, {});
        assert.equal(r.code, 0, r.stderr);
      },
    },
    // A broker session: the page's earlier block logged out.
    "$ VMGATE_VNC_VIEWER='vncviewer {host}::{port}' vmgate desktop connect \"Demo desktops\" --open": {
      setup: async () => {
        const r = await sh('vmgate desktop list --user demo', { VMGATE_PASSWORD: 'demo-password-1' });
        assert.equal(r.code, 0, r.stderr);
      },
    },
    '$ vmgate vm create appliance --import-disk ./appliance-disk1.vmdk --memory 1024': {
      setup: () => writeFile(join(dir, 'appliance-disk1.vmdk'), Buffer.alloc(1 << 20)),
    },
    // web-01 runs; DC0_H0_VM2 (shown refused) does not.
    '$ vmgate vm console web-01': {
      setup: async () => {
        await ensurePower('web-01', 'poweredOn');
        await ensurePower('DC0_H0_VM2', 'poweredOff');
      },
    },
    // DC0_H0_VM2 is off (no pending note), DC0_H0_VM0 runs (the last command's note).
    '$ vmgate vm port-forward add DC0_H0_VM2 2222:22': {
      setup: async () => {
        await ensurePower('DC0_H0_VM2', 'poweredOff');
        await ensurePower('DC0_H0_VM0', 'poweredOn');
      },
    },
    '$ vmgate vm snapshot create web-01 base --description "clean install"': { setup: () => ensurePower('web-01', 'poweredOff') },
    // NICs and serial ports are added to web-01 while it is off.
    '$ vmgate vm nic add web-01 --network nat --type virtio': { setup: () => ensurePower('web-01', 'poweredOff') },
    '$ vmgate vm nic disconnect DC0_H0_VM0 4000': { setup: () => ensurePower('DC0_H0_VM0', 'poweredOn') },
    '$ vmgate datastore add isos /srv/isos': {
      setup: async () => {
        await mkdir(join(dir, 'isos'), { recursive: true });
      },
    },
    // The page's datastore1 and a 628 MiB ISO (sparse).
    '$ vmgate datastore upload debian-12.iso datastore1:iso/': {
      setup: async () => {
        await mkdir(join(dir, 'datastore1'), { recursive: true });
        await mkdir(join(dir, 'downloads'), { recursive: true });
        await core().inventory.createDatastore(SYSTEM_CALLER, { name: 'datastore1', path: join(dir, 'datastore1') });
        await writeFile(join(dir, 'debian-12.iso'), '');
        await truncate(join(dir, 'debian-12.iso'), 628 * 1024 * 1024);
      },
    },
    '$ vmgate pool create office --type application --vm Apps-0': {
      setup: async () => {
        const web01 = (await core().vms.find('web-01'))!;
        await core().vms.create(SYSTEM_CALLER, { name: 'Apps-0', placement: { hostId: web01.hostId! } });
        await core().identity.createGroup(SYSTEM_CALLER, { name: 'staff', members: ['demo'] });
        await writeFile(join(dir, 'calc.png'), Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'));
      },
    },
  };

  // The hardware section attaches an image and inserts ISOs that are on LocalDS_1.
  BLOCKS['$ vmgate vm disk add hw-01 --size 2'] = {
    setup: async () => {
      await mkdir(join(s.dataDir, 'datastores', 'LocalDS_1', 'images'), { recursive: true });
      await writeFile(join(s.dataDir, 'datastores', 'LocalDS_1', 'images', 'data.vmdk'), '');
      await truncate(join(s.dataDir, 'datastores', 'LocalDS_1', 'images', 'data.vmdk'), 64 * 1024 * 1024);
    },
  };
  BLOCKS['$ vmgate vm cdrom insert hw-01 LocalDS_1:iso/installer.iso'] = {
    setup: async () => {
      await mkdir(join(s.dataDir, 'datastores', 'LocalDS_1', 'iso'), { recursive: true });
      for (const iso of ['installer.iso', 'drivers.iso']) await writeFile(join(s.dataDir, 'datastores', 'LocalDS_1', 'iso', iso), 'not a real ISO: the simulator does not read it');
    },
  };

  const adminCaller = async () => (await core().identity.login('administrator', ADMIN_PASSWORD, 'test')).caller;
  /** What the page takes for granted before one command, by the command as written. */
  const STEPS: Record<string, () => Promise<void>> = {
    // The page shows web-01 powering on again: it is off before this one.
    'vmgate vm power on web-01 vm-7 vm-99': () => ensurePower('web-01', 'poweredOff'),
    // The page's list ends with a clone of web-01 by the administrator (the task watched next).
    'vmgate task list --limit 5': async () => {
      const admin = await adminCaller();
      const web01 = (await core().vms.find('web-01'))!;
      if (web01.powerState !== 'poweredOff') await ensurePower('web-01', 'poweredOff');
      await core().tasks.wait(admin, (await core().vms.clone(admin, web01.id, { name: 'web-03' })).id);
    },
    // A guest program the administrator ran with a wrong guest password.
    'vmgate task watch ef067ddb-7a3a-4b7a-9d51-3a0c30ea8c2f': async () => {
      const admin = await adminCaller();
      await ensurePower('DC0_H0_VM0', 'poweredOn');
      const vm = (await core().vms.find('DC0_H0_VM0'))!;
      const task = await core().guest.runProgram(admin, vm.id, { username: 'root', password: 'not-the-password' }, { path: '/bin/true', args: [], captureOutput: true });
      assert.equal((await core().tasks.wait(admin, task.id)).state, 'error');
      ids.set('ef067ddb-7a3a-4b7a-9d51-3a0c30ea8c2f', task.id);
    },
  };

  let previous: Run | null = null;
  /** What `export` set: the page is one shell session. */
  const env: Record<string, string> = {};
  for (const f of blocks) {
    const first = f.text.split('\n')[0]!;
    if (NOT_EXAMPLES.has(first)) continue;
    const head = f.text.split('\n').slice(0, 2).join('\n');
    const key = Object.keys(BLOCKS).filter((k) => head === k || head.startsWith(`${k}\n`) || (k.includes('\n') && head.startsWith(k))).sort((a, b) => b.length - a.length)[0];
    const how = key === undefined ? {} : BLOCKS[key]!;
    // A terminal needs util-linux's script, a pipe into jq needs jq (installed by scripts/ci-system-packages.sh; in CI their absence fails).
    const tools = [...(how.terminal ? ['script'] : []), ...(f.text.includes('| jq ') ? ['jq'] : [])];
    const missing = tools.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
    const skip = skipUnlessAvailable(`docs/cli.md line ${f.line}`, missing.length ? `needs ${missing.join(' and ')}, not installed` : null);
    it(`line ${f.line}: ${first.slice(0, 100)}`, { skip }, async () => {
      configDir = await mkdtemp(join(dir, 'config-'));
      if (!how.fresh) await login();
      await how.setup?.();
      if (!first.startsWith('$ ')) {
        // Commands only: each must succeed.
        for (const l of f.text.split('\n').filter((x) => x.trim() !== '')) {
          const r = await sh(toServer(l.replace(/\s+#.*$/, '')), env, how.terminal);
          assert.equal(r.code, 0, `${l}\n${r.stdout}\n${r.stderr}`);
        }
        return;
      }
      for (const st of steps(f)) {
        if (st.command === 'echo $?') {
          assert.ok(previous, 'a command before echo $?');
          assert.equal(String(previous.code), st.output[0], `the exit code (line ${st.line})\n${previous.stdout}\n${previous.stderr}`);
          continue;
        }
        const exp = /^export (\w+)=(\S+)$/.exec(st.command);
        if (exp) {
          env[exp[1]!] = exp[2]!;
          continue;
        }
        await STEPS[st.command]?.();
        let command = toServer(st.command);
        // A clone reads the source's disk whole: the page's 10 GiB would take minutes here; 64 MiB stands in.
        command = command.replace('vmgate vm create web-01 --cpus 2 --memory 2048 --disk 10240', 'vmgate vm create web-01 --cpus 2 --memory 2048 --disk 64');
        if (command.startsWith('sudo -u vmgate ')) command = command.slice('sudo -u vmgate '.length);
        command = command.replace('VMGATE_PASSWORD=…', `VMGATE_PASSWORD=demo-password-1`).replace('VMGATE_NEW_PASSWORD=…', 'VMGATE_NEW_PASSWORD=demo-password-2').replace('echo "$PASSWORD" |', "echo 'alice-password-1' |");
        const r = await sh(command, env, how.terminal);
        previous = r;
        if (how.terminal) {
          compare(`line ${st.line}: ${st.command} (on a terminal)`, st.output, stripVTControlCharacters(r.stdout).replace(/\r/g, ''));
          continue;
        }
        interleaved(`line ${st.line}: ${st.command}`, st.output, r);
      }
    });
  }
});
