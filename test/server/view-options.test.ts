/**
 * The View broker's server options: --view-domains (a list of domain names) and
 * --view-disclaimer (free text), from flags, the environment and a config file, and the
 * refusals of values that are not.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { VmgateError } from '../../src/core/errors.ts';
import { resolveServeConfig } from '../../src/server/config.ts';

const refused = (message: string) => (e: unknown) => e instanceof VmgateError && e.kind === 'invalid_argument' && e.message === message;

describe('serve options: --view-domains, --view-disclaimer', () => {
  it('defaults: the one domain VMGATE, no disclaimer', () => {
    const c = resolveServeConfig({}, {});
    assert.deepEqual([c.viewDomains, c.viewDisclaimer], [['VMGATE'], null]);
  });

  it('flags and environment: names trimmed, duplicates (whatever their case) once, text kept with its line breaks', () => {
    const c = resolveServeConfig({ viewDomains: ' CORP, lab ,corp,LAB.example-1' }, { VMGATE_VIEW_DISCLAIMER: 'Authorised use only.\nSessions are logged.' });
    assert.deepEqual(c.viewDomains, ['CORP', 'lab', 'LAB.example-1']);
    assert.equal(c.viewDisclaimer, 'Authorised use only.\nSessions are logged.');
    assert.equal(resolveServeConfig({ viewDisclaimer: '   ' }, {}).viewDisclaimer, null);
  });

  it('a config file takes a JSON list', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmgate-opts-'));
    try {
      const file = join(dir, 'config.json');
      await writeFile(file, JSON.stringify({ viewDomains: ['CORP', 'LAB'], viewDisclaimer: 'Be nice.' }));
      const c = resolveServeConfig({}, {}, file);
      assert.deepEqual([c.viewDomains, c.viewDisclaimer], [['CORP', 'LAB'], 'Be nice.']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses what is not a domain list or printable text', () => {
    assert.throws(() => resolveServeConfig({ viewDomains: 'CORP,bad name' }, {}), refused("flag --view-domains: 'CORP,bad name' is not a valid value for --view-domains (domains)"));
    assert.throws(() => resolveServeConfig({ viewDomains: ',' }, {}), refused("flag --view-domains: ',' is not a valid value for --view-domains (domains)"));
    assert.throws(() => resolveServeConfig({}, { VMGATE_VIEW_DOMAINS: '-lead' }), refused("environment VMGATE_VIEW_DOMAINS: '-lead' is not a valid value for --view-domains (domains)"));
    assert.throws(() => resolveServeConfig({ viewDisclaimer: 'bell\u0007' }, {}), refused("flag --view-disclaimer: 'bell\u0007' is not a valid value for --view-disclaimer (text)"));
    assert.throws(() => resolveServeConfig({ viewDisclaimer: 'x'.repeat(4001) }, {}), (e: unknown) => e instanceof VmgateError && e.kind === 'invalid_argument');
  });
});
