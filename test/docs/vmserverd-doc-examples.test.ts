/**
 * Every example of docs/faces/vmserverd.md runs against a real vmgate (its authd port):
 * - the door conversation (`C:` sent, `S:` expected, byte for byte, after TLS; `PASS ********`
 *   sends the real password; `EXEC n` sends the next `C:` line as its n-byte frame, and n
 *   must be that line's length);
 * - the client snippet, run as a script (the host, port, CA, password and the VM's path
 *   of this server put in; a `// value` comment after a call is its expected result);
 * - the `vmgate exec` commands, run by the real CLI (stdout as documented).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import { cliFixture, ADMIN_PASSWORD, type CliFixture } from '../cli/cli-fixture.ts';
import { REPO_ROOT } from '../support/qemu-guest.ts';
import { extractFences, shellWords } from './doc-examples.ts';

const PAGE = join(REPO_ROOT, 'docs/faces/vmserverd.md');
const fences = extractFences(PAGE, ['', 'ts']);
const transcript = fences.find((f) => f.text.startsWith('C: '));
const snippet = fences.find((f) => f.lang === 'ts');
const commands = fences.find((f) => f.text.startsWith('vmgate '));

/** Reads from a stream until `n` bytes or a CRLF-ended line are there. */
class Reader {
  private buf = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  private ended = false;
  constructor(stream: NodeJS.ReadableStream) {
    stream.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake?.();
    });
    stream.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
  }
  private async need(cond: () => boolean): Promise<void> {
    while (!cond()) {
      assert.ok(!this.ended, `the server closed the connection; unread: ${JSON.stringify(this.buf.toString())}`);
      await new Promise<void>((r) => (this.wake = r));
    }
  }
  async line(): Promise<string> {
    await this.need(() => this.buf.includes('\r\n'));
    const i = this.buf.indexOf('\r\n');
    const l = this.buf.subarray(0, i).toString('utf8');
    this.buf = this.buf.subarray(i + 2);
    return l;
  }
  async bytes(n: number): Promise<string> {
    await this.need(() => this.buf.length >= n);
    const b = this.buf.subarray(0, n).toString('utf8');
    this.buf = this.buf.subarray(n);
    return b;
  }
}

describe('docs/faces/vmserverd.md: every example, run against a server', () => {
  let f: CliFixture;
  let authdPort: number;
  before(async () => {
    f = await cliFixture();
    authdPort = f.server.server.ports.authd!;
    assert.ok(authdPort > 0, 'the authd face listens');
  });
  after(async () => f?.close());

  it('the page has its three examples', () => {
    assert.ok(transcript && snippet && commands, `found ${fences.map((x) => x.line).join(', ')}`);
  });

  it(`line ${transcript?.line}: the door conversation, byte for byte`, async () => {
    const lines = transcript!.text.trim().split('\n');
    const raw = netConnect({ host: '127.0.0.1', port: authdPort });
    const banner = await new Promise<string>((res) => {
      let got = '';
      const on = (d: Buffer): void => {
        got += d.toString('latin1');
        if (got.includes('\r\n')) {
          raw.off('data', on);
          raw.pause();
          res(got);
        }
      };
      raw.on('data', on);
    });
    assert.match(banner, /^220 VMware Authentication Daemon/);
    const sock = tlsConnect({ socket: raw, ca: f.server.ca, servername: 'localhost' });
    await new Promise<void>((res, rej) => sock.once('secureConnect', () => res()).once('error', rej));
    const reader = new Reader(sock);
    try {
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i]!;
        if (l.startsWith('C: ')) {
          const text = l.slice(3);
          const exec = /^EXEC (\d+)$/.exec(text);
          if (exec) {
            const body = lines[++i]!.replace(/^C: /, '');
            assert.equal(Buffer.byteLength(body), Number(exec[1]), 'the documented frame length is the next line’s');
            sock.write(`EXEC ${exec[1]}\r\n${body}`);
          } else sock.write(`${text === 'PASS ********' ? `PASS ${ADMIN_PASSWORD}` : text}\r\n`);
          continue;
        }
        assert.ok(l.startsWith('S: '), `line ${transcript!.line + i}: C: or S:`);
        const want = l.slice(3);
        const got = await reader.line();
        if (text200(want)) {
          assert.equal(got, want, 'the reply header (its length)');
          const body = lines[++i]!.replace(/^S: /, '');
          assert.equal(await reader.bytes(Number(want.slice(4))), body);
        } else assert.equal(got, want);
      }
    } finally {
      sock.destroy();
    }
  });

  it(`line ${snippet?.line}: the client snippet runs as written`, async () => {
    const vm = (await f.server.server.core.vms.find('DC0_H0_VM1'))!;
    const ds = await f.server.server.core.inventory.getDatastore(SYSTEM_CALLER, vm.datastoreId);
    const vmPath = `[${ds.name}] ${vm.vmxRel}`;
    const expectations: string[] = [];
    let code = snippet!.text
      .replace("from 'vmgate/src/clients/vmserverd/index.ts'", `from ${JSON.stringify(join(REPO_ROOT, 'src/clients/vmserverd/index.ts'))}`)
      .replace("host: 'vmgate.example'", "host: '127.0.0.1'")
      .replace('port: 8902', `port: ${authdPort}`)
      .replaceAll("'[ds0] web01/web01.vmx'", JSON.stringify(vmPath));
    // `await X; // 43` → the result of X must be 43.
    code = code.replace(/^(.*?)await (.+?);\s*\/\/\s*(-?\d+)\s*$/gm, (_m, pre: string, call: string, value: string) => {
      expectations.push(value);
      return `${pre}{ const got = await ${call}; if (got !== ${value}) throw new Error('documented ${value}, got ' + String(got)); console.log('checked', got); }`;
    });
    assert.ok(expectations.length >= 1, 'the snippet documents a result');
    const dir = await mkdtemp(join(tmpdir(), 'vmgate-doc-'));
    try {
      const file = join(dir, 'snippet.mts');
      await writeFile(file, `const pem = ${JSON.stringify(f.server.ca)};\nconst password = ${JSON.stringify(ADMIN_PASSWORD)};\n${code}\n`);
      const r = await new Promise<{ code: number | null; out: string }>((res) => {
        const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.on('close', (c) => res({ code: c, out }));
      });
      assert.equal(r.code, 0, r.out);
      assert.equal(r.out, expectations.map((v) => `checked ${v}\n`).join(''));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    assert.equal((await f.server.server.core.vms.get(SYSTEM_CALLER, vm.id)).powerState, 'poweredOn', 'VM_PowerOn powered the VM on');
  });

  it(`line ${commands?.line}: vmgate exec, as documented`, async () => {
    const lines = commands!.text.trim().split('\n');
    for (let i = 0; i < lines.length; i++) {
      const cmd = lines[i]!;
      assert.ok(cmd.startsWith('vmgate '), `a command line: ${cmd}`);
      const expected: string[] = [];
      while (lines[i + 1] !== undefined && !lines[i + 1]!.startsWith('vmgate ')) expected.push(lines[++i]!);
      // This server's URL and CA file instead of the page's; the login stored the default server.
      const argv = shellWords(cmd.slice('vmgate '.length).replace('--server https://vmgate.example:8443 --ca server.crt', `--server ${f.server.baseUrl} --ca ${f.caFile}`));
      const r = await f.run(argv, { bare: true, env: { VMGATE_AUTHD_PORT: String(authdPort), VMGATE_PASSWORD: ADMIN_PASSWORD } });
      assert.equal(r.code, 0, r.stderr);
      if (argv.includes('--json')) assert.deepEqual(JSON.parse(r.stdout), JSON.parse(expected.join('\n')));
      else assert.equal(r.stdout, expected.join('\n') + '\n');
    }
  });
});

const text200 = (line: string): boolean => /^200 \d+$/.test(line);
