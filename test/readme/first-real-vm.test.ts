/**
 * docs/drivers.md, "First real VM: from a fresh machine", run as written on QEMU: the shell
 * lines between `<!-- first-real-vm-test -->` and `<!-- /first-real-vm-test -->`, one by one,
 * through /bin/sh, in a directory where a fresh `vmgate serve --driver qemu` (data directory
 * `./data`) runs, with `vmgate` on the PATH and a HOME of its own, the test guest's ISO as
 * `guest.iso` (any live ISO with a guest agent would do) and, as `notes.iso`, a small ISO
 * 9660 image made here holding `hello.txt`. Only the CLI and the public API are used. The
 * changes to the text: the server listens on a free port, and so does the port forward (the
 * page's 8080). Every line must exit 0 and print what the table below expects; each line is
 * also checked through the vSphere API (the disk is qcow2, the NIC virtio, the new CPUs and
 * memory, two NICs, the CD-ROM's new ISO, the guest's IP address, clean_power_off after the
 * stop), from inside the guest (its CPUs, memory and NICs; the swapped medium read from
 * /dev/sr0) or as a client would use it (a VNC handshake with the console's one-time
 * password, an RFB session through the `wss://` URL, passt listening on the forward's host
 * port). What a user meets off the happy path and the page names but the block cannot hold
 * (a command that exits 1) is checked beside the line it belongs to: a CPU change while the
 * VM runs is refused, by the CLI and by the API.
 *
 * A step is a line of the block plus its entry in EXPECT. The way in through the port
 * forward is two steps: busybox `httpd` started in the guest with `guest run`, then `curl`
 * on this machine fetching its page through 127.0.0.1:8080 (passt).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { hostNameOf } from '../../src/server/first-start.ts';
import { parseTable } from '../cli/cli-fixture.ts';
import { acquireQemuTestLock, killQemuUnder, qemuTestGuest, qemuTestSkip, testGuestIso } from '../support/qemu-guest.ts';
import { spawnServer } from '../support/spawn-server.ts';
import type { SpawnedServer } from '../support/spawn-server.ts';
import { until } from '../support/until.ts';
import { wsRfbSession } from '../support/ws-rfb-client.ts';
import { vncHandshake } from '../faces/view/vnc-handshake.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

/** The walkthrough block's commands: its lines without blank lines and comments. */
export function walkthroughCommands(doc: string): string[] {
  const m = /<!-- first-real-vm-test -->\s*```sh\n([\s\S]*?)```\s*<!-- \/first-real-vm-test -->/.exec(doc);
  if (!m) throw new Error('docs/drivers.md has no <!-- first-real-vm-test --> … <!-- /first-real-vm-test --> block around a ```sh block');
  return m[1]!
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * Fails when the test guest was built by another recipe of scripts/build-test-guest.sh (its
 * `version` stamp names the script's and its helpers' SHA-256, computed here the same way):
 * the walkthrough mounts the guest's CD-ROM, which needs the recipe's AHCI and CD-ROM modules.
 */
async function assertGuestRecipe(dir: string): Promise<void> {
  const helpers = join(ROOT, 'scripts/test-guest');
  const parts = [await readFile(join(ROOT, 'scripts/build-test-guest.sh'))];
  for (const name of (await readdir(helpers)).sort()) parts.push(await readFile(join(helpers, name)));
  const recipe = createHash('sha256').update(Buffer.concat(parts)).digest('hex');
  const stamp = (await readFile(join(dir, 'version'), 'utf8').catch(() => '')).split('\n')[0];
  if (stamp !== `recipe ${recipe}`) throw new Error(`the test guest in ${dir} was built by another recipe of scripts/build-test-guest.sh (${stamp || 'no version stamp'}; this checkout's: recipe ${recipe}): run scripts/build-test-guest.sh`);
}

interface Ctx {
  readonly work: string;
  /** The host port the test uses for the page's 8080. */
  readonly forwardPort: number;
  readonly ca: string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** A `vmgate` command outside the block (same directory, HOME and login). */
  cli(args: readonly string[]): SpawnSyncReturns<string>;
  /** What a step learns for a later one: the NICs' MACs as the API lists them. */
  macs?: string[];
}
type Check = (stdout: string, ctx: Ctx) => void | Promise<void>;

const NOTES = 'hello from the second ISO\n';

interface NicInfo {
  readonly type: string;
  readonly mac_address: string;
  readonly start_connected: boolean;
  readonly backing: { readonly type: string; readonly network_name?: string };
}

async function listens(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const c = connect({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

const EXPECT: Record<string, Check> = {
  'vmgate login --server https://localhost:8443 --ca data/tls/server.crt --password-stdin < data/initial-admin-password': (out) => {
    assert.match(out, /^logged in to https:\/\/localhost:\d+ as administrator \(/);
  },
  'vmgate host list': (out) => {
    assert.deepEqual(
      parseTable(out).map((r) => [r.HOST, r.NAME, r.CONNECTION]),
      [['host-1', hostNameOf(hostname()), 'connected']],
    );
  },
  'vmgate datastore upload guest.iso datastore1:iso/': async (out, ctx) => {
    assert.match(out, /^uploaded guest\.iso to \[datastore1\] iso\/guest\.iso \(\d+\.\d MiB\)\n$/);
    const sha = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');
    assert.equal(await sha(join(ctx.work, 'data', 'datastores', 'datastore1', 'iso', 'guest.iso')), await sha(join(ctx.work, 'guest.iso')));
  },
  'vmgate datastore upload notes.iso datastore1:iso/': async (out, ctx) => {
    assert.match(out, /^uploaded notes\.iso to \[datastore1\] iso\/notes\.iso \(\d+ KiB\)\n$/);
    assert.deepEqual(await readFile(join(ctx.work, 'data', 'datastores', 'datastore1', 'iso', 'notes.iso')), await readFile(join(ctx.work, 'notes.iso')));
  },
  'vmgate datastore ls datastore1:iso': (out) => {
    assert.deepEqual(
      parseTable(out).map((r) => [r.NAME, r.TYPE]),
      [
        ['guest.iso', 'file'],
        ['notes.iso', 'file'],
      ],
    );
  },
  'vmgate vm create first-vm --iso datastore1:iso/guest.iso --nic nat --disk 1024 --memory 512': async (out, ctx) => {
    assert.equal(out, 'created vm-1 (first-vm)\n');
    const vm = (await ctx.api('GET', '/api/vcenter/vm/vm-1')).body as {
      cpu: { count: number };
      memory: { size_MiB: number };
      disks: Record<string, { backing: { vmdk_file: string }; capacity: number }>;
      cdroms: Record<string, { backing: { iso_file: string } }>;
      nics: Record<string, { type: string; start_connected: boolean }>;
    };
    assert.deepEqual([vm.cpu.count, vm.memory.size_MiB], [1, 512]);
    assert.deepEqual(
      Object.values(vm.nics).map((n) => [n.type, n.start_connected]),
      [['VIRTIO', true]],
    );
    assert.deepEqual(
      Object.values(vm.disks).map((d) => [d.backing.vmdk_file, d.capacity]),
      [['[datastore1] first-vm/first-vm.qcow2', 1024 * 1024 * 1024]],
    );
    assert.deepEqual(Object.values(vm.cdroms).map((c) => c.backing.iso_file), ['[datastore1] iso/guest.iso']);
    const info = spawnSync('qemu-img', ['info', '--output=json', join(ctx.work, 'data', 'datastores', 'datastore1', 'first-vm', 'first-vm.qcow2')], { encoding: 'utf8' });
    assert.equal((JSON.parse(info.stdout) as { format: string }).format, 'qcow2');
  },
  'vmgate vm hardware set first-vm --cpus 2 --memory 768': async (out, ctx) => {
    assert.equal(out, 'vm-1: 2 CPUs (1 per socket), 768 MiB\n');
    const cpu = (await ctx.api('GET', '/api/vcenter/vm/vm-1/hardware/cpu')).body as { count: number; cores_per_socket: number };
    assert.deepEqual([cpu.count, cpu.cores_per_socket], [2, 1]);
    assert.equal(((await ctx.api('GET', '/api/vcenter/vm/vm-1/hardware/memory')).body as { size_MiB: number }).size_MiB, 768);
  },
  'vmgate vm nic add first-vm --network isolated --type virtio': async (out, ctx) => {
    const m = /^added NIC 4001 \(VIRTIO, (00:50:56:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}), isolated\) to vm-1\n$/.exec(out);
    assert.ok(m, out);
    const list = (await ctx.api('GET', '/api/vcenter/vm/vm-1/hardware/ethernet')).body as { nic: string }[];
    assert.deepEqual(
      list.map((n) => n.nic),
      ['4000', '4001'],
    );
    const nics = await Promise.all(list.map(async (n) => (await ctx.api('GET', `/api/vcenter/vm/vm-1/hardware/ethernet/${n.nic}`)).body as NicInfo));
    assert.deepEqual(
      nics.map((n) => [n.type, n.start_connected, n.backing.network_name]),
      [
        ['VIRTIO', true, 'VM Network'],
        ['VIRTIO', true, 'isolated'],
      ],
    );
    assert.equal(nics[1]!.mac_address, m[1]);
    assert.notEqual(nics[0]!.mac_address, m[1]);
    ctx.macs = nics.map((n) => n.mac_address);
  },
  'vmgate vm power on first-vm --wait-tools': async (out, ctx) => {
    assert.deepEqual(
      parseTable(out).map((r) => [r.NAME, r.POWER]),
      [['first-vm', 'on']],
    );
    assert.equal(((await ctx.api('GET', '/api/vcenter/vm/vm-1/guest/power')).body as { operations_ready: boolean }).operations_ready, true);
  },
  'vmgate vm port-forward add first-vm 8080:80': async (out, ctx) => {
    assert.equal(out, `forwarded tcp 127.0.0.1:${ctx.forwardPort} to port 80 of first-vm (tcp-${ctx.forwardPort})\n`);
    assert.deepEqual((await ctx.api('GET', '/api/vmgate/vm/vm-1/port-forwards')).body, [
      { port_forward: `tcp-${ctx.forwardPort}`, protocol: 'TCP', host_address: '127.0.0.1', host_port: ctx.forwardPort, guest_port: 80 },
    ]);
  },
  "VMGATE_GUEST_PASSWORD=vmware vmgate guest run first-vm --guest-user root -- /bin/sh -c 'echo hello from $(uname -s)'": async (out, ctx) => {
    assert.equal(out, 'hello from Linux\n');
    // The guest's address (DHCP from passt: this machine's own address) in its identity.
    const ip = await until('the guest IP address in guest identity', 120_000, async () => {
      const r = await ctx.api('GET', '/api/vcenter/vm/vm-1/guest/identity');
      const a = r.status === 200 ? (r.body as { ip_address?: string }).ip_address : undefined;
      return a === undefined || a === '' ? undefined : a;
    });
    const mine = Object.values(networkInterfaces()).flatMap((l) => (l ?? []).filter((a) => a.family === 'IPv4' && !a.internal).map((a) => a.address));
    assert.ok(mine.includes(ip), `guest IP ${ip} is one of this machine's addresses (${mine.join(', ')})`);
  },
  "VMGATE_GUEST_PASSWORD=vmware vmgate guest run first-vm --guest-user root -- /bin/sh -c 'nproc; grep MemTotal /proc/meminfo; cat /sys/class/net/eth*/address'": async (out, ctx) => {
    const m = /^2\nMemTotal: +(\d+) kB\n([0-9a-f:]{17})\n([0-9a-f:]{17})\n$/.exec(out);
    assert.ok(m, out);
    // The guest sees the 768 MiB (less what firmware and kernel keep), not the 512 of create.
    const kib = Number(m[1]);
    assert.ok(kib > 512 * 1024 && kib <= 768 * 1024, `MemTotal ${kib} kB`);
    assert.deepEqual([m[2], m[3]].sort(), [...ctx.macs!].sort());
    // Off the page: CPUs and memory change only while the VM is off, from the CLI and the API.
    const cli = ctx.cli(['vm', 'hardware', 'set', 'first-vm', '--cpus', '1']);
    assert.deepEqual([cli.status, cli.stdout, cli.stderr], [1, '', 'vmgate: NOT_ALLOWED_IN_CURRENT_STATE: cannot change vCPUs or memory of vm-1 (first-vm) while it is powered on\n']);
    const api = await ctx.api('PATCH', '/api/vcenter/vm/vm-1/hardware/cpu', { count: 1 });
    assert.equal(api.status, 400);
    assert.deepEqual(api.body, {
      error_type: 'NOT_ALLOWED_IN_CURRENT_STATE',
      messages: [{ id: 'vmgate.core.vm.not_allowed_in_current_state', default_message: 'cannot change vCPUs or memory of vm-1 (first-vm) while it is powered on', args: [] }],
    });
    assert.equal(((await ctx.api('GET', '/api/vcenter/vm/vm-1/hardware/cpu')).body as { count: number }).count, 2);
  },
  'vmgate vm cdrom insert first-vm datastore1:iso/notes.iso': async (out, ctx) => {
    assert.equal(out, 'inserted [datastore1] iso/notes.iso into CD-ROM 3002 of vm-1 (the guest sees the new medium)\n');
    const cd = (await ctx.api('GET', '/api/vcenter/vm/vm-1/hardware/cdrom/3002')).body as { backing: { type: string; iso_file: string }; state: string };
    assert.deepEqual([cd.backing.type, cd.backing.iso_file, cd.state], ['ISO_FILE', '[datastore1] iso/notes.iso', 'CONNECTED']);
  },
  "VMGATE_GUEST_PASSWORD=vmware vmgate guest run first-vm --guest-user root -- /bin/sh -c 'mkdir -p /media/cdrom; for i in 1 2 3 4 5; do mount -t iso9660 -o ro /dev/sr0 /media/cdrom 2>/dev/null && break; sleep 1; done; cat /media/cdrom/hello.txt && umount /media/cdrom'": (out) => {
    assert.equal(out, NOTES);
  },
  'vmgate vm port-forward ls first-vm': async (out, ctx) => {
    assert.deepEqual(
      parseTable(out).map((r) => [r.FORWARD, r.PROTOCOL, r.HOST, r['GUEST PORT']]),
      [[`tcp-${ctx.forwardPort}`, 'tcp', `127.0.0.1:${ctx.forwardPort}`, '80']],
    );
    // The VM runs: passt listens on the forward's host port.
    assert.equal(await listens(ctx.forwardPort), true, `127.0.0.1:${ctx.forwardPort} listens`);
  },
  'VMGATE_GUEST_PASSWORD=vmware vmgate guest run first-vm --guest-user root -- /bin/sh -c \'mkdir -p /www && echo "hello from first-vm" > /www/index.html && httpd -p 80 -h /www\'': (out) => {
    // httpd goes to the background: nothing printed, exit 0 (checked by the loop).
    assert.equal(out, '');
  },
  'curl -s http://127.0.0.1:8080/': (out) => {
    assert.equal(out, 'hello from first-vm\n');
  },
  'vmgate vm console first-vm': async (out) => {
    const m = /^vnc:\/\/:(\w{8})@127\.0\.0\.1:(\d+)\npassword: (\w{8}) {3}\(VNC authentication, good for one connection within a minute\)\n$/.exec(out);
    assert.ok(m, out);
    assert.equal(m[3], m[1]);
    const [password, port] = [m[1]!, Number(m[2])];
    await assert.rejects(vncHandshake('127.0.0.1', port, null), /VNC authentication failed/);
    const hs = await vncHandshake('127.0.0.1', port, password);
    assert.deepEqual([hs.types, hs.name], [[2], 'QEMU (first-vm)']);
    // QEMU replaces a used password one QMP round trip after the handshake (docs/drivers.md, "Console").
    await new Promise((r) => setTimeout(r, 300));
    await assert.rejects(vncHandshake('127.0.0.1', port, password), /VNC authentication failed/);
  },
  'vmgate vm console first-vm --websocket': async (out, ctx) => {
    const m = /^(wss:\/\/[^/\s]+\/console\/vnc\/[A-Za-z0-9_-]{43})\n\(one connection, within a minute: RFB over WebSocket, no further password\)\n$/.exec(out);
    assert.ok(m, out);
    const rfb = await wsRfbSession(m[1]!, ctx.ca);
    assert.deepEqual([rfb.types, rfb.name, rfb.firstMessageType], [[1], 'QEMU (first-vm)', 0]);
  },
  'vmgate vm power off first-vm': async (out, ctx) => {
    assert.deepEqual(
      parseTable(out).map((r) => [r.NAME, r.POWER]),
      [['first-vm', 'off']],
    );
    assert.deepEqual((await ctx.api('GET', '/api/vcenter/vm/vm-1/power')).body, { state: 'POWERED_OFF', clean_power_off: true });
  },
  'vmgate vm delete first-vm': async (out, ctx) => {
    assert.equal(out, 'deleted vm-1\n');
    assert.equal((await ctx.api('GET', '/api/vcenter/vm/vm-1')).status, 404);
  },
};

describe('docs/drivers.md: the first real VM on QEMU, run as written', { skip: qemuTestSkip({ iso: true }) }, () => {
  let dir: string;
  let work: string;
  let server: SpawnedServer | undefined;
  let commands: string[];
  let release: (() => void) | undefined;
  const env: NodeJS.ProcessEnv = {};

  before(async () => {
    await assertGuestRecipe(qemuTestGuest().guest.dir);
    release = await acquireQemuTestLock();
    commands = walkthroughCommands(await readFile(join(ROOT, 'docs/drivers.md'), 'utf8'));
    dir = await mkdtemp(join(tmpdir(), 'vmgate-first-vm-'));
    work = join(dir, 'home-dir');
    await mkdir(work);
    await copyFile(testGuestIso(qemuTestGuest().guest), join(work, 'guest.iso'));
    // notes.iso: hello.txt on ISO 9660 with Rock Ridge names, made as the test guest's ISO is.
    await mkdir(join(dir, 'notes'));
    await writeFile(join(dir, 'notes', 'hello.txt'), NOTES);
    const mkiso = spawnSync('xorriso', ['-version']).status === 0 ? ['xorriso', '-as', 'mkisofs'] : ['genisoimage'];
    const made = spawnSync(mkiso[0]!, [...mkiso.slice(1), '-quiet', '-V', 'NOTES', '-R', '-o', join(work, 'notes.iso'), join(dir, 'notes')], { encoding: 'utf8' });
    assert.equal(made.status, 0, `${mkiso.join(' ')}: ${made.stderr}`);
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'vmgate'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin/vmgate.mjs')}" "$@"\n`);
    await chmod(join(bin, 'vmgate'), 0o755);
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VMGATE_') && k !== 'NODE_OPTIONS' && k !== 'XDG_CONFIG_HOME') env[k] = v;
    Object.assign(env, { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: join(dir, 'home'), NO_COLOR: '1' });
    server = await spawnServer(join(work, 'data'), ['--driver', 'qemu'], { VMGATE_ADMIN_PASSWORD: undefined, VMGATE_DEMO_PASSWORD: undefined, VMGATE_CONFIG_DIR: undefined }, work);
  });
  after(async () => {
    if (work) killQemuUnder(join(work, 'data'));
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
    release?.();
  });

  it('the banner names what the first start made and the accelerator; every block line has an expectation', () => {
    const out = server!.stdout();
    assert.match(out, /^ {2}QEMU accelerator {9}(kvm|tcg) \(.+\)$/m);
    assert.match(out, /First start: created datacenter 'Datacenter', host '[^']+' \(this machine: \d+ CPUs, [\d.]+ GiB\)/);
    assert.ok(out.includes(`and datastore 'datastore1' at ${join(work, 'data', 'datastores', 'datastore1')}.`), out);
    for (const c of commands) assert.ok(Object.hasOwn(EXPECT, c), `no expectation for the line ${JSON.stringify(c)}: add one to EXPECT`);
    assert.equal(commands.length, Object.keys(EXPECT).length, 'every expectation is a line of the block');
  });

  it('every line exits 0 and does what the walkthrough says', async (t) => {
    const password = (await readFile(join(work, 'data', 'initial-admin-password'), 'utf8')).trim();
    const ca = await readFile(join(work, 'data', 'tls', 'server.crt'), 'utf8');
    const forwardPort = await new Promise<number>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const ctx: Ctx = {
      work,
      forwardPort,
      ca,
      cli: (args) => spawnSync('vmgate', args, { cwd: work, env, encoding: 'utf8', timeout: 600_000 }),
      api: (method, path, body) =>
        new Promise((res, rej) => {
          const headers: Record<string, string> = { authorization: `Basic ${Buffer.from(`administrator:${password}`).toString('base64')}` };
          if (body !== undefined) headers['content-type'] = 'application/json';
          const req = request({ host: '127.0.0.1', port: server!.ports.https, method, path, ca, servername: 'localhost', headers }, (r) => {
            let s = '';
            r.on('data', (d) => (s += d));
            r.on('end', () => res({ status: r.statusCode!, body: s === '' ? undefined : (JSON.parse(s) as unknown) }));
          });
          req.on('error', rej);
          req.end(body === undefined ? undefined : JSON.stringify(body));
        }),
    };
    for (const docLine of commands) {
      const line = docLine.replace('https://localhost:8443', `https://localhost:${server!.ports.https}`).replace(/\b8080\b/, String(forwardPort));
      const t0 = Date.now();
      const r = spawnSync('/bin/sh', ['-c', line], { cwd: work, env, encoding: 'utf8', timeout: 600_000 });
      t.diagnostic(`${docLine.slice(0, 60)}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      assert.equal(r.status, 0, `${docLine}\nexit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      await EXPECT[docLine]!(r.stdout, ctx);
    }
  });
});
