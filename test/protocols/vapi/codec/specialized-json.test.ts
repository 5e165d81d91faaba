import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  anyError,
  binary,
  dateTime,
  double,
  enumT,
  id,
  long,
  map,
  opaque,
  optional,
  secret,
  set,
  string,
  uri,
  voidT,
  Typed,
  LocalizableMessage,
  VMFilterSpec,
  VMSummary,
  VMService,
  SessionService,
  findOperation,
} from '../../../../src/protocols/vapi/types/index.ts';
import { Everything, everythingValue } from './everything.ts';
import {
  EncodeError,
  decodeOperationInput,
  encodeOperationOutput,
  fromSpecialized,
  fromSpecializedUntyped,
  stringifyWire,
  toSpecialized,
} from '../../../../src/protocols/vapi/codec/index.ts';


describe('specialized JSON: encoding', () => {
  it('writes every kind with its wrapper, in declaration order', () => {
    const text = stringifyWire(toSpecialized(everythingValue, Everything));
    assert.equal(
      text,
      '{"STRUCTURE":{"test.everything":{' +
        '"s":"hello","i":"vm-1","e":"RED","b":true,"l":42,"d":1.5E0,"dt":"2024-01-02T03:04:05.000Z",' +
        '"bin":{"BINARY":"SGVsbG8="},"sec":{"SECRET":"s3cret"},"u":"https://host/path?q=1",' +
        '"o":{"OPTIONAL":"set"},"unset":{"OPTIONAL":null},"li":[1,-2],"se":["a","b"],' +
        '"m":[{"STRUCTURE":{"map-entry":{"key":"a","value":1}}},{"STRUCTURE":{"map-entry":{"key":"b","value":2}}}],' +
        '"ml":[{"STRUCTURE":{"map-entry":{"key":7,"value":"seven"}}}],' +
        '"nested":{"STRUCTURE":{"test.nested":{"x":1,"y":{"OPTIONAL":null}}}},' +
        '"ol":[{"OPTIONAL":"a"},{"OPTIONAL":null}],"op":"anything",' +
        '"dyn":{"OPTIONAL":{"STRUCTURE":{"dynamic-structure":{"k":"v"}}}}}}}',
    );
  });

  it('round-trips every kind', () => {
    const wire = JSON.parse(stringifyWire(toSpecialized(everythingValue, Everything)));
    const back = fromSpecialized(wire, Everything);
    assert.ok(back.ok, JSON.stringify(!back.ok && back.issues));
    assert.deepEqual(back.value, { ...everythingValue, bin: Buffer.from('Hello'), li: [1, -2] });
  });

  it('void is null', () => {
    assert.equal(toSpecialized(undefined, voidT()), null);
    assert.deepEqual(fromSpecialized(null, voidT()), { ok: true, value: undefined });
  });

  it('accepts Dates and offset date-times, always writing UTC milliseconds', () => {
    assert.equal(toSpecialized(new Date(Date.UTC(2012, 9, 26, 12, 24, 18, 941)), dateTime()), '2012-10-26T12:24:18.941Z');
    assert.equal(toSpecialized('2012-10-26T14:24:18+02:00', dateTime()), '2012-10-26T12:24:18.000Z');
  });

  it('encodes Typed opaque values with their type and untyped ones generically', () => {
    assert.deepEqual(toSpecialized(new Typed(secret(), 'x'), opaque()), { SECRET: 'x' });
    assert.deepEqual(JSON.parse(stringifyWire(toSpecialized({ a: 1, b: 0.5, c: null }, opaque()))), {
      STRUCTURE: { 'dynamic-structure': { a: 1, b: 0.5, c: { OPTIONAL: null } } },
    });
  });

  it('encodes an any_error from its error_type', () => {
    const wire = toSpecialized({ error_type: 'NOT_FOUND', messages: [] }, anyError()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(wire.ERROR as object), ['com.vmware.vapi.std.errors.not_found']);
  });

  it('throws EncodeError with the path for values that do not fit', () => {
    assert.throws(() => toSpecialized({ vm: 'vm-1', name: 'x', power_state: 'POWERED_ON', cpu_count: 1.5 }, VMSummary, 'output'), {
      name: 'EncodeError',
      message: 'output.cpu_count: expected long (an integer), got number 1.5',
    });
    assert.throws(() => toSpecialized({ vm: 'vm-1', power_state: 'POWERED_ON' }, VMSummary, 'output'), (e: unknown) => {
      assert.ok(e instanceof EncodeError);
      assert.equal(e.message, 'output.name: required field of com.vmware.vcenter.VM.summary is missing');
      return true;
    });
    assert.throws(() => toSpecialized(Number.NaN, double()), EncodeError);
  });
});

describe('specialized JSON: exact wire forms of protocols/vapi.md', () => {
  it('session create output is {"SECRET":…}', () => {
    const out = encodeOperationOutput(SessionService.operations.create, 'b5f4c3');
    assert.equal(stringifyWire(out), '{"SECRET":"b5f4c3"}');
  });

  it('session delete output is null', () => {
    assert.equal(stringifyWire(encodeOperationOutput(SessionService.operations.delete, undefined)), 'null');
  });

  it('VM.list input as the SDK sends it decodes to a plain filter', () => {
    const sdkInput = {
      STRUCTURE: {
        'operation-input': {
          filter: {
            OPTIONAL: {
              STRUCTURE: {
                'com.vmware.vcenter.VM.filter_spec': {
                  vms: { OPTIONAL: null },
                  names: { OPTIONAL: null },
                  folders: { OPTIONAL: null },
                  datacenters: { OPTIONAL: null },
                  hosts: { OPTIONAL: null },
                  clusters: { OPTIONAL: null },
                  resource_pools: { OPTIONAL: null },
                  power_states: { OPTIONAL: ['POWERED_ON'] },
                },
              },
            },
          },
        },
      },
    };
    const r = decodeOperationInput(VMService.operations.list, sdkInput);
    assert.deepEqual(r, { ok: true, value: { filter: { power_states: ['POWERED_ON'] } } });
    // …and encoding the plain filter gives back what the SDK sent.
    assert.deepEqual(toSpecialized({ filter: { power_states: ['POWERED_ON'] } }, VMService.operations.list.input), sdkInput);
  });

  it('VM.list with no filter', () => {
    const r = decodeOperationInput(VMService.operations.list, { STRUCTURE: { 'operation-input': { filter: { OPTIONAL: null } } } });
    assert.deepEqual(r, { ok: true, value: {} });
  });

  it('the magic operation-input name is not checked (old clients)', () => {
    const r = decodeOperationInput(VMService.operations.get, { STRUCTURE: { 'some-other-name': { vm: 'vm-1' } } });
    assert.deepEqual(r, { ok: true, value: { vm: 'vm-1' } });
  });
});

describe('specialized JSON: decoding errors are precise', () => {
  const op = findOperation('com.vmware.vcenter.VM', 'create');
  assert.ok(op);
  const input = (spec: Record<string, unknown>) => ({
    STRUCTURE: { 'operation-input': { spec: { STRUCTURE: { 'com.vmware.vcenter.VM.create_spec': spec } } } },
  });

  it('wrong primitive type', () => {
    const r = decodeOperationInput(op, input({ guest_OS: 'OTHER_LINUX_64', name: { OPTIONAL: 42 } }));
    assert.equal(r.ok, false);
    assert.deepEqual(!r.ok && r.issues.map((i) => i.message), ['operation-input.spec.name: expected string, got number 42']);
  });

  it('an optional sent bare is rejected', () => {
    const r = decodeOperationInput(op, input({ guest_OS: 'OTHER_LINUX_64', name: 'bare' }));
    assert.deepEqual(!r.ok && r.issues.map((i) => i.message), [
      'operation-input.spec.name: expected optional<string> as {"OPTIONAL":…}, got string "bare"',
    ]);
  });

  it('missing required field', () => {
    const r = decodeOperationInput(op, input({ name: { OPTIONAL: 'x' } }));
    assert.deepEqual(!r.ok && r.issues.map((i) => i.message), [
      'operation-input.spec.guest_OS: required field of com.vmware.vcenter.VM.create_spec is missing',
    ]);
  });

  it('unknown enum value (servers decode strictly)', () => {
    const r = decodeOperationInput(op, input({ guest_OS: 'AMIGA_OS' }));
    assert.equal(!r.ok && r.issues[0]?.path, 'operation-input.spec.guest_OS');
    assert.match(!r.ok ? r.issues[0]!.message : '', /expected one of DOS, WIN_31, .* \(181 values\) \(com\.vmware\.vcenter\.vm\.guest_OS\), got "AMIGA_OS"/);
    // clients are lenient: enums are open
    assert.ok(fromSpecialized('AMIGA_OS', enumT('x', ['A'])).ok);
  });

  it('long that is not an integer, nested in a list of structures', () => {
    const r = decodeOperationInput(
      op,
      input({
        guest_OS: 'OTHER_LINUX_64',
        disks: {
          OPTIONAL: [
            {
              STRUCTURE: {
                'com.vmware.vcenter.vm.hardware.disk.create_spec': {
                  new_vmdk: { OPTIONAL: { STRUCTURE: { 'com.vmware.vcenter.vm.hardware.disk.vmdk_create_spec': { capacity: { OPTIONAL: 1.5 } } } } },
                },
              },
            },
          ],
        },
      }),
    );
    assert.deepEqual(!r.ok && r.issues.map((i) => i.message), [
      'operation-input.spec.disks[0].new_vmdk.capacity: expected long (an integer), got number 1.5',
    ]);
  });

  it('structure name mismatch', () => {
    const r = fromSpecialized({ STRUCTURE: { 'com.vmware.vcenter.VM.info': {} } }, VMSummary, { path: 'output' });
    assert.deepEqual(!r.ok && r.issues.map((i) => i.message), [
      'output: expected structure com.vmware.vcenter.VM.summary, got com.vmware.vcenter.VM.info',
    ]);
  });

  it('collects several issues at once', () => {
    const r = fromSpecialized(
      { STRUCTURE: { 'com.vmware.vcenter.VM.summary': { vm: 1, name: true, power_state: 'POWERED_ON' } } },
      VMSummary,
      { path: 'output' },
    );
    assert.deepEqual(!r.ok && r.issues.map((i) => i.path), ['output.vm', 'output.name']);
  });

  it('unknown set fields: rejected as unexpected on the server, ignored by clients; unset ones always ignored', () => {
    const wire = {
      STRUCTURE: {
        'com.vmware.vcenter.VM.filter_spec': { names: { OPTIONAL: ['a'] }, colour: { OPTIONAL: 'blue' }, future: { OPTIONAL: null } },
      },
    };
    const strict = fromSpecialized(wire, VMFilterSpec, { path: 'operation-input.filter', unknownFields: 'reject' });
    assert.deepEqual(!strict.ok && strict.issues, [
      {
        path: 'operation-input.filter.colour',
        message: 'operation-input.filter.colour: unexpected field "colour" in structure com.vmware.vcenter.VM.filter_spec',
        code: 'unexpected_field',
      },
    ]);
    assert.deepEqual(fromSpecialized(wire, VMFilterSpec), { ok: true, value: { names: ['a'] } });
  });

  it('sets refuse duplicates', () => {
    const r = fromSpecialized(['a', 'a'], set(string()), { path: 'names' });
    assert.deepEqual(!r.ok && r.issues.map((i) => i.message), ['names[1]: duplicate element "a" in a set']);
  });

  it('maps: map-entry lists, duplicate keys, key types', () => {
    const t = map(long(), string());
    const ok = fromSpecialized([{ STRUCTURE: { 'map-entry': { key: 7, value: 'x' } } }], t);
    assert.deepEqual(ok, { ok: true, value: { '7': 'x' } });
    const dup = fromSpecialized(
      [{ STRUCTURE: { 'map-entry': { key: 7, value: 'x' } } }, { STRUCTURE: { 'map-entry': { key: 7, value: 'y' } } }],
      t,
      { path: 'm' },
    );
    assert.deepEqual(!dup.ok && dup.issues.map((i) => i.message), ['m[1]: duplicate map key "7"']);
    const badKey = fromSpecialized([{ STRUCTURE: { 'map-entry': { key: 'seven', value: 'x' } } }], t, { path: 'm' });
    assert.deepEqual(!badKey.ok && badKey.issues.map((i) => i.message), ['m[0].key: expected long (an integer), got string "seven"']);
  });

  it('binary must be base64 inside {"BINARY":…}; secret inside {"SECRET":…}', () => {
    assert.equal(fromSpecialized({ BINARY: '@@' }, binary()).ok, false);
    assert.equal(fromSpecialized('SGVsbG8=', binary()).ok, false);
    assert.equal(fromSpecialized('pw', secret()).ok, false);
    assert.deepEqual(fromSpecialized({ SECRET: 'pw' }, secret()), { ok: true, value: 'pw' });
  });

  it('date-times must be RFC 3339', () => {
    const r = fromSpecialized('last tuesday', dateTime(), { path: 'when' });
    assert.deepEqual(!r.ok && r.issues.map((i) => i.message), ['when: expected an RFC 3339 date_time, got "last tuesday"']);
    assert.deepEqual(fromSpecialized('2024-01-02T03:04:05+01:00', dateTime()), { ok: true, value: '2024-01-02T02:04:05.000Z' });
  });

  it('a wrapper with extra members is refused', () => {
    const r = fromSpecialized({ OPTIONAL: 'a', extra: 1 }, optional(string()), { path: 'x' });
    assert.equal(r.ok, false);
  });
});

describe('specialized JSON: recursive (lazy) types', () => {
  it('localizable messages with nested parameters round-trip', () => {
    const msg = {
      id: 'vm.clone.progress',
      default_message: 'Cloned 3 of 4 disks of web-01',
      args: [],
      params: {
        done: { i: 3 },
        ratio: { d: 0.75 },
        vm: { l: { id: 'vm.name', params: { name: { s: 'web-01' } } } },
        when: { dt: '2024-01-02T03:04:05.000Z', format: 'SHORT_DATE_TIME' },
      },
    } as const;
    const wire = JSON.parse(stringifyWire(toSpecialized(msg, LocalizableMessage)));
    assert.deepEqual(wire.STRUCTURE['com.vmware.vapi.std.localizable_message'].params.OPTIONAL[2], {
      STRUCTURE: {
        'map-entry': {
          key: 'vm',
          value: {
            STRUCTURE: {
              'com.vmware.vapi.std.localization_param': {
                s: { OPTIONAL: null },
                dt: { OPTIONAL: null },
                i: { OPTIONAL: null },
                d: { OPTIONAL: null },
                l: {
                  OPTIONAL: {
                    STRUCTURE: {
                      'com.vmware.vapi.std.nested_localizable_message': {
                        id: 'vm.name',
                        params: {
                          OPTIONAL: [
                            {
                              STRUCTURE: {
                                'map-entry': {
                                  key: 'name',
                                  value: {
                                    STRUCTURE: {
                                      'com.vmware.vapi.std.localization_param': {
                                        s: { OPTIONAL: 'web-01' },
                                        dt: { OPTIONAL: null },
                                        i: { OPTIONAL: null },
                                        d: { OPTIONAL: null },
                                        l: { OPTIONAL: null },
                                        format: { OPTIONAL: null },
                                        precision: { OPTIONAL: null },
                                      },
                                    },
                                  },
                                },
                              },
                            },
                          ],
                        },
                      },
                    },
                  },
                },
                format: { OPTIONAL: null },
                precision: { OPTIONAL: null },
              },
            },
          },
        },
      },
    });
    assert.deepEqual(fromSpecialized(wire, LocalizableMessage), { ok: true, value: msg });
  });
});

describe('specialized JSON: untyped values', () => {
  it('fromSpecializedUntyped drops wrappers and turns map entries into objects', () => {
    assert.deepEqual(
      fromSpecializedUntyped({
        STRUCTURE: {
          'com.example.x': {
            a: { OPTIONAL: null },
            b: { OPTIONAL: 'y' },
            s: { SECRET: 'pw' },
            m: [{ STRUCTURE: { 'map-entry': { key: 'k', value: 1 } } }],
            l: [1, 2],
          },
        },
      }),
      { b: 'y', s: 'pw', m: { k: 1 }, l: [1, 2] },
    );
  });

  it('any_error values decode to their fields, error_type filled in from the name', () => {
    const wire = {
      ERROR: {
        'com.vmware.vapi.std.errors.not_found': {
          messages: [{ STRUCTURE: { 'com.vmware.vapi.std.localizable_message': { id: 'a', default_message: 'b', args: [] } } }],
          data: { OPTIONAL: null },
        },
      },
    };
    assert.deepEqual(fromSpecialized(wire, anyError()), {
      ok: true,
      value: { messages: [{ id: 'a', default_message: 'b', args: [] }], error_type: 'NOT_FOUND' },
    });
  });

  it('uri and id are strings', () => {
    assert.deepEqual(fromSpecialized('https://x', uri()), { ok: true, value: 'https://x' });
    assert.equal(fromSpecialized(5, id()).ok, false);
  });
});
