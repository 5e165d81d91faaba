/**
 * VapiClient's typed methods are generated from the registry: the checked-in file must be
 * what scripts/generate-vapi-client.ts writes today, and every operation of the registry
 * (but session create/delete, which login/logout are) must be called by a method.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GENERATED_FILE, renderVapiServices } from '../../../scripts/generate-vapi-client.ts';
import * as registry from '../../../src/protocols/vapi/types/index.ts';

test('services.generated.ts is what the generator writes from the registry', () => {
  assert.equal(
    readFileSync(GENERATED_FILE, 'utf8'),
    renderVapiServices(),
    'src/clients/vapi/services.generated.ts is stale: run node --import tsx scripts/generate-vapi-client.ts',
  );
});

test('every operation of the registry is called by a generated method', () => {
  const text = readFileSync(GENERATED_FILE, 'utf8');
  const exported = Object.entries(registry as Record<string, unknown>);
  const missing: string[] = [];
  for (const svc of registry.SERVICE_LIST) {
    const name = exported.find(([, v]) => v === svc)?.[0];
    for (const op of Object.keys(svc.operations)) {
      if (svc.id === 'com.vmware.cis.session' && (op === 'create' || op === 'delete')) continue;
      if (!text.includes(`call(${name}, '${op}', `)) missing.push(`${svc.id} ${op}`);
    }
  }
  assert.deepEqual(missing, []);
});
