import type { JobStatus, NameType, Operation, RdvJob, RdvVm, VmError, VmHostType, VmResult, VmStatus } from './contract.ts';
import { JOB_STATUSES, NS_DATA, NS_SERVICE, NS_SOAP_ENV, NS_WSA, NS_XSI, VM_ERRORS, VM_HOST_TYPES, VM_STATUSES } from './contract.ts';
import type { XmlElement } from './xml.ts';
import { esc, parseXml } from './xml.ts';

/** The client's half of the RDV wire format: request envelopes out, replies and JobUpdated in. */

export class RdvDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RdvDecodeError';
  }
}

/** A SOAP fault the service answered with; `vmError` is set when its detail names one. */
export interface RdvFaultInfo {
  readonly faultCode: string;
  readonly faultString: string;
  readonly vmError: VmError | null;
}

export function encodeRequest(op: Operation, params: { name?: string | null; type?: NameType | null; locale?: string | null }, replyTo?: string): string {
  const p = (k: string, v: string | null | undefined): string => (v === undefined ? '' : v === null ? `<${k} xmlns:i="${NS_XSI}" i:nil="true"/>` : `<${k}>${esc(v)}</${k}>`);
  const inner = op === 'SetLocale' ? p('locale', params.locale) : p('name', params.name) + p('type', params.type);
  const header = replyTo ? `<s:Header><a:ReplyTo xmlns:a="${NS_WSA}"><a:Address>${esc(replyTo)}</a:Address></a:ReplyTo></s:Header>` : '';
  return `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${NS_SOAP_ENV}">${header}<s:Body><${op} xmlns="${NS_SERVICE}">${inner}</${op}></s:Body></s:Envelope>`;
}

/** The element inside soap:Body, or the fault it holds. */
export function decodeBody(text: string): { readonly el: XmlElement } | { readonly fault: RdvFaultInfo } {
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch (e) {
    throw new RdvDecodeError(`the reply is not XML: ${(e as Error).message}`);
  }
  if (root.ns !== NS_SOAP_ENV || root.local !== 'Envelope') throw new RdvDecodeError('the reply is not a SOAP 1.1 envelope');
  const body = root.children.find((c) => c.ns === NS_SOAP_ENV && c.local === 'Body');
  const el = body?.children[0];
  if (!el) throw new RdvDecodeError('the reply has an empty soap:Body');
  if (el.ns === NS_SOAP_ENV && el.local === 'Fault') {
    const t = (n: string) => el.children.find((c) => c.local === n)?.text ?? '';
    const detail = el.children.find((c) => c.local === 'detail');
    const code = detail?.children.find((c) => c.ns === NS_DATA && c.local === 'VMError')?.text ?? null;
    return { fault: { faultCode: t('faultcode'), faultString: t('faultstring'), vmError: code && (VM_ERRORS as readonly string[]).includes(code) ? (code as VmError) : null } };
  }
  return { el };
}

function child(el: XmlElement, ns: string, name: string): XmlElement | null {
  return el.children.find((c) => c.ns === ns && c.local === name) ?? null;
}
function isNil(el: XmlElement | null): boolean {
  return el === null || el.attrs.get(`{${NS_XSI}}nil`) === 'true';
}
function str(el: XmlElement, name: string): string | null {
  const c = child(el, NS_DATA, name);
  return isNil(c) ? null : c!.text;
}
function oneOf<T extends string>(el: XmlElement, name: string, values: readonly T[]): T {
  const v = str(el, name);
  if (v === null || !(values as readonly string[]).includes(v)) throw new RdvDecodeError(`${name} '${v}' is not one of ${values.join(', ')}`);
  return v as T;
}

/** `GetVMResponse` → VmResult. */
export function decodeVmResult(wrapper: XmlElement): VmResult {
  if (wrapper.ns !== NS_SERVICE || wrapper.local !== 'GetVMResponse') throw new RdvDecodeError(`expected GetVMResponse, got ${wrapper.local}`);
  const r = child(wrapper, NS_SERVICE, 'GetVMResult');
  if (!r || isNil(r)) throw new RdvDecodeError('GetVMResult is missing');
  const list = child(r, NS_DATA, 'VMList');
  const vms: RdvVm[] | null = isNil(list)
    ? null
    : list!.children
        .filter((c) => c.ns === NS_DATA && c.local === 'VM')
        .map((v) => ({
          HostFQDN: str(v, 'HostFQDN'),
          HostType: oneOf<VmHostType>(v, 'HostType', VM_HOST_TYPES),
          ID: str(v, 'ID') ?? '',
          Name: str(v, 'Name'),
          Status: oneOf<VmStatus>(v, 'Status', VM_STATUSES),
        }));
  return { DetailedErrorString: str(r, 'DetailedErrorString'), ErrorID: oneOf<VmError>(r, 'ErrorID', VM_ERRORS), VMList: vms };
}

/** `<Op>Response` → its single `<Op>Result` text (null when nil). */
export function decodeResult(wrapper: XmlElement, op: Operation): string | null {
  if (wrapper.ns !== NS_SERVICE || wrapper.local !== `${op}Response`) throw new RdvDecodeError(`expected ${op}Response, got ${wrapper.local}`);
  const r = child(wrapper, NS_SERVICE, `${op}Result`);
  return isNil(r) ? null : r!.text;
}

/** A JobUpdated request body → the Job. */
export function decodeJobUpdated(text: string): RdvJob {
  const b = decodeBody(text);
  if ('fault' in b) throw new RdvDecodeError('a JobUpdated message cannot be a fault');
  if (b.el.ns !== NS_SERVICE || b.el.local !== 'JobUpdated') throw new RdvDecodeError(`expected JobUpdated, got ${b.el.local}`);
  const j = child(b.el, NS_SERVICE, 'job');
  if (!j || isNil(j)) throw new RdvDecodeError('JobUpdated has no job');
  return {
    DetailedErrorString: str(j, 'DetailedErrorString'),
    ErrorID: oneOf<VmError>(j, 'ErrorID', VM_ERRORS),
    ID: str(j, 'ID') ?? '',
    Name: str(j, 'Name'),
    Progress: Number(str(j, 'Progress') ?? 0),
    Status: oneOf<JobStatus>(j, 'Status', JOB_STATUSES),
    Step: str(j, 'Step'),
  };
}
