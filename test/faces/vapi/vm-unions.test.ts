import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';

/**
 * vSphere's bindings validate unions: for each discriminator value some fields are
 * required (the official Python SDK raises CoreException otherwise — seen with VMXNET3
 * lacking upt_compatibility_enabled). The rules, from the vSphere API reference.
 */
const UNION_RULES: Record<string, Record<string, readonly string[]>> = {
  boot: { EFI: ['efi_legacy_boot', 'network_protocol'] },
  cdromBacking: { ISO_FILE: ['iso_file'], HOST_DEVICE: ['auto_detect', 'device_access_type'], CLIENT_DEVICE: ['device_access_type'] },
  cdrom: { IDE: ['ide'], SATA: ['sata'] },
  diskBacking: { VMDK_FILE: ['vmdk_file'] },
  disk: { IDE: ['ide'], SCSI: ['scsi'], SATA: ['sata'], NVME: ['nvme'] },
  nicBacking: { STANDARD_PORTGROUP: ['network_name'], DISTRIBUTED_PORTGROUP: ['distributed_switch_uuid'] },
  nic: { VMXNET3: ['upt_compatibility_enabled'] },
};

function check(rule: string, v: Record<string, unknown>): void {
  const need = UNION_RULES[rule]![v.type as string] ?? [];
  for (const f of need) assert.ok(v[f] !== undefined, `${rule} of type ${String(v.type)} lacks ${f}: ${JSON.stringify(v)}`);
}

describe('VM.get satisfies the unions the official bindings validate', () => {
  let s: TestServer;
  let token: string;
  before(async () => {
    s = await startTestServer();
    const r = await s.request('POST', '/api/session', { headers: { authorization: 'Basic ' + Buffer.from(`administrator:${ADMIN_PASSWORD}`).toString('base64') } });
    token = JSON.parse(r.body) as string;
  });
  after(async () => s.close());

  it('for BIOS and EFI VMs with disks, VMXNET3 and E1000 NICs, ISO and empty CD-ROMs', async () => {
    const core = s.server.core;
    const host = (await core.inventory.listHosts(SYSTEM_CALLER))[0]!;
    const vms = [
      await core.vms.create(SYSTEM_CALLER, { name: 'u-efi', firmware: 'efi', nics: [{ model: 'vmxnet3' }, { model: 'e1000' }], cdroms: [{ isoFile: null }], placement: { hostId: host.id } }),
      await core.vms.create(SYSTEM_CALLER, { name: 'u-bios', firmware: 'bios', disks: [{ capacityMiB: 8 }, { capacityMiB: 8 }], nics: [{ model: 'vmxnet3' }], placement: { hostId: host.id } }),
    ];
    for (const vm of vms) {
      const r = await s.request('GET', `/api/vcenter/vm/${vm.id}`, { headers: { 'vmware-api-session-id': token } });
      assert.equal(r.status, 200, r.body);
      const info = JSON.parse(r.body) as Record<string, Record<string, Record<string, unknown>> & Record<string, unknown>>;
      check('boot', info.boot as unknown as Record<string, unknown>);
      for (const c of Object.values(info.cdroms ?? {})) {
        check('cdrom', c);
        check('cdromBacking', c.backing as Record<string, unknown>);
      }
      for (const d of Object.values(info.disks ?? {})) {
        check('disk', d);
        check('diskBacking', d.backing as Record<string, unknown>);
      }
      const nics = Object.values(info.nics ?? {});
      assert.ok(nics.length > 0);
      for (const n of nics) {
        check('nic', n);
        check('nicBacking', n.backing as Record<string, unknown>);
      }
    }
  });
});
