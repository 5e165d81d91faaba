import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { VmserverdClient } from '../../../src/clients/vmserverd/index.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';

// The face as `vmgate serve` runs it (the demo inventory, the server's own certificate).
describe('vmserverd in a running vmgate', () => {
  let s: TestServer | undefined;
  let closed = false;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    if (!closed) await s?.close();
  });

  it('the authd port takes a login and exec requests on the demo inventory; close ends open connections (not after the idle timeout)', { timeout: 60_000 }, async () => {
    const srv = s!;
    const port = srv.server.ports.authd!;
    const c = await VmserverdClient.connect({ host: '127.0.0.1', port, ca: srv.ca });
    await c.login('administrator', ADMIN_PASSWORD);
    assert.equal(await c.inc(42), 43);
    const { caller } = await srv.server.core.identity.login('administrator', ADMIN_PASSWORD, 'test');
    const vms = await srv.server.core.vms.list(caller);
    assert.ok(vms.length > 0);
    const vmx = await srv.server.core.vms.vmxPath(vms[0]!);
    assert.equal((await c.vmInfo(vmx)).name, vms[0]!.name);
    const gone = new Promise<void>((r) => c.socket.once('close', () => r()));
    await srv.close();
    closed = true;
    await gone;
  });
});

// Security_ActivateConfig in a running vmgate: the certificate becomes the server's.
describe('vmserverd Security_ActivateConfig in a running vmgate', () => {
  let dataDir = '';
  let s: TestServer | undefined;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vmgate-cert-'));
    s = await startTestServer({ demo: false }, {}, { dataDir });
  });
  after(async () => {
    await s?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is stored in the data directory (key 0600), served by HTTPS and authd at once, and still after a restart', { timeout: 60_000 }, async () => {
    const first = s!;
    const oldFingerprint = first.server.tlsFingerprint;
    const c = await VmserverdClient.connect({ host: '127.0.0.1', port: first.server.ports.authd!, ca: first.ca });
    await c.login('administrator', ADMIN_PASSWORD);
    const made = JSON.parse(JSON.stringify(await c.execValue('Security_CreateCertificate', { commonName: 'vmgate.test', days: 30 }))) as { certificate: { fingerprint: string; pem: string } };
    // Made, not yet active: nothing changed anywhere.
    assert.notEqual(made.certificate.fingerprint, oldFingerprint);
    assert.equal(await peerFingerprint(first.server.ports.https), oldFingerprint);
    assert.equal(new X509Certificate(await readFile(join(dataDir, 'tls', 'server.crt'))).fingerprint256, oldFingerprint);
    const act = JSON.parse(JSON.stringify(await c.execValue('Security_ActivateConfig'))) as { fingerprint: string };
    assert.equal(act.fingerprint, made.certificate.fingerprint);
    // Stored: the pair on disk is the new one, the key private.
    assert.equal(await readFile(join(dataDir, 'tls', 'server.crt'), 'utf8'), made.certificate.pem);
    const key = await readFile(join(dataDir, 'tls', 'server.key'), 'utf8');
    assert.ok(new X509Certificate(made.certificate.pem).checkPrivateKey(createPrivateKey(key)));
    assert.equal((await stat(join(dataDir, 'tls', 'server.key'))).mode & 0o777, 0o600);
    // Served: new HTTPS and authd connections get it; the server reports it.
    assert.equal(await peerFingerprint(first.server.ports.https), made.certificate.fingerprint);
    assert.equal(first.server.tlsFingerprint, made.certificate.fingerprint);
    assert.equal(first.server.cert, made.certificate.pem);
    const fresh = await VmserverdClient.connect({ host: '127.0.0.1', port: first.server.ports.authd!, ca: made.certificate.pem });
    assert.equal(fresh.socket.getPeerCertificate().fingerprint256, made.certificate.fingerprint);
    fresh.close();
    // The open connection keeps its own.
    assert.equal(c.socket.getPeerCertificate().fingerprint256, oldFingerprint);
    assert.equal(await c.inc(1), 2);
    c.close();
    await first.close();
    s = undefined;
    // Restarted on the same data directory: the activated certificate, on both listeners.
    s = await startTestServer({ demo: false }, {}, { dataDir });
    assert.equal(s.server.tlsFingerprint, made.certificate.fingerprint);
    assert.equal(await peerFingerprint(s.server.ports.https), made.certificate.fingerprint);
    const again = await VmserverdClient.connect({ host: '127.0.0.1', port: s.server.ports.authd!, ca: made.certificate.pem });
    assert.equal(again.socket.getPeerCertificate().fingerprint256, made.certificate.fingerprint);
    again.close();
  });
});

/** The fingerprint of the certificate a new TLS connection to `port` gets. */
function peerFingerprint(port: number): Promise<string> {
  return new Promise((res, rej) => {
    const sock = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'localhost' }, () => {
      const fp = sock.getPeerCertificate().fingerprint256;
      sock.destroy();
      res(fp);
    });
    sock.on('error', rej);
  });
}
