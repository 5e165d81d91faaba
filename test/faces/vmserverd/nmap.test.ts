import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN, startAuthd, type AuthdKit } from './kit.ts';

// nmap's own vmauthd-brute script against the door (scripts/ci-system-packages.sh installs
// nmap for CI). Without nmap the test is skipped on a workstation and fails under CI.
const haveNmap = spawnSync('nmap', ['--version'], { encoding: 'utf8' }).status === 0;
const inCi = !!process.env.CI;

describe('nmap vmauthd-brute against the authd door', { skip: !haveNmap && !inCi ? 'nmap is not installed (apt-get install nmap)' : false }, () => {
  let k: AuthdKit;
  let dir: string;
  before(async () => {
    assert.ok(haveNmap, 'nmap is required under CI (scripts/ci-system-packages.sh installs it)');
    k = await startAuthd({}, { maxFailedLogins: 100 });
    await k.t.core.identity.createUser(k.t.admin, { name: 'bob', password: 'bob-password-1' });
    dir = await mkdtemp(join(tmpdir(), 'vmgate-nmap-'));
    await writeFile(join(dir, 'users'), 'administrator\nbob\nnosuchuser\n');
    await writeFile(join(dir, 'passwords'), `letmein\n${ADMIN.password}\npassword\nbob-password-2\n`);
  });
  after(async () => {
    await k?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports the one valid account and no false ones', async () => {
    // "+" runs the script whatever the port number (its portrule wants 902 or a detected service).
    const args = ['-Pn', '-n', '-p', String(k.port), '--script', '+vmauthd-brute', '--script-args', `userdb=${join(dir, 'users')},passdb=${join(dir, 'passwords')},unpwdb.timelimit=60s,brute.threads=2`, '127.0.0.1'];
    const out = await new Promise<string>((res, rej) => execFile('nmap', args, { encoding: 'utf8', timeout: 120_000 }, (e, stdout, stderr) => (e ? rej(new Error(`${e.message}\n${stdout}\n${stderr}`)) : res(stdout))));
    assert.match(out, new RegExp(`administrator:${ADMIN.password} - Valid credentials`), out);
    const valid = out.split('\n').filter((l) => /Valid credentials/.test(l));
    assert.equal(valid.length, 1, out);
    assert.doesNotMatch(out, /bob:|nosuchuser:/, out);
  });
});
