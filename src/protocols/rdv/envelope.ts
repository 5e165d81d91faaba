import type { NameType, Operation, RdvJob, RdvRequest, RdvVm, VmResult } from './contract.ts';
import { NAME_TYPES, NS_DATA, NS_SERVICE, NS_SOAP_ENV, NS_WSA, NS_WSA_2004, NS_XSI, OPERATIONS, soapAction } from './contract.ts';
import type { XmlElement } from './xml.ts';
import { esc, parseXml } from './xml.ts';

/**
 * SOAP 1.1 envelopes of the RDV contract: decoding requests (namespace-checked, enum-
 * checked) and encoding replies, faults and the JobUpdated callback. Members of replies go
 * in the data-contract namespace, wrappers in the service namespace, `xsi` declared.
 */

/** A SOAP fault's code (`soap:Client` the caller's mistake, `soap:Server` ours). */
export type FaultCode = 'Client' | 'Server';

export class SoapFault extends Error {
  constructor(
    readonly code: FaultCode,
    message: string,
    /** The HTTP status the fault goes out with (500 per SOAP 1.1; 401/404/413/415 for transport errors). */
    readonly status = 500,
  ) {
    super(message);
    this.name = 'SoapFault';
  }
}

/** Decoded envelope: the request, and the WS-Addressing `ReplyTo` address if any. */
export interface DecodedEnvelope {
  readonly request: RdvRequest;
  readonly replyTo: string | null;
  readonly messageId: string | null;
}

const OP_BY_NAME: ReadonlyMap<string, Operation> = new Map(OPERATIONS.map((o) => [o, o]));
const OP_BY_ACTION: ReadonlyMap<string, Operation> = new Map(OPERATIONS.map((o) => [soapAction(o), o]));

/** The operation a SOAPAction header names (quotes stripped); null for an empty header. */
export function operationForAction(header: string | undefined): Operation | null | 'unknown' {
  if (header === undefined) return null;
  const a = header.trim().replace(/^"(.*)"$/, '$1');
  if (a === '') return null;
  return OP_BY_ACTION.get(a) ?? 'unknown';
}

export function decodeEnvelope(text: string, action: string | undefined): DecodedEnvelope {
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch (e) {
    throw new SoapFault('Client', (e as Error).message);
  }
  if (root.local !== 'Envelope' || root.ns !== NS_SOAP_ENV) {
    throw new SoapFault('Client', `the root element must be {${NS_SOAP_ENV}}Envelope (SOAP 1.1), not {${root.ns}}${root.local}`);
  }
  const header = root.children.find((c) => c.ns === NS_SOAP_ENV && c.local === 'Header');
  const body = root.children.find((c) => c.ns === NS_SOAP_ENV && c.local === 'Body');
  if (!body) throw new SoapFault('Client', 'the envelope has no soap:Body');
  if (body.children.length !== 1) throw new SoapFault('Client', `soap:Body must hold one operation element, not ${body.children.length}`);
  const el = body.children[0]!;
  const op = OP_BY_NAME.get(el.local);
  if (!op) throw new SoapFault('Client', `unknown operation '${el.local.slice(0, 100)}': this service offers ${OPERATIONS.join(', ')}`);
  if (el.ns !== NS_SERVICE) throw new SoapFault('Client', `operation ${op} must be in namespace ${NS_SERVICE}, not '${el.ns.slice(0, 200)}'`);
  const byAction = operationForAction(action);
  if (byAction === 'unknown') throw new SoapFault('Client', `unknown SOAPAction '${String(action).slice(0, 200)}'`);
  if (byAction !== null && byAction !== op) throw new SoapFault('Client', `SOAPAction names ${byAction} but the body holds ${op}`);
  const params = new Map<string, XmlElement>();
  for (const c of el.children) {
    if (c.ns !== NS_SERVICE) throw new SoapFault('Client', `parameter '${c.local.slice(0, 100)}' of ${op} must be in namespace ${NS_SERVICE}, not '${c.ns.slice(0, 200)}'`);
    if (params.has(c.local)) throw new SoapFault('Client', `parameter '${c.local}' of ${op} is given twice`);
    params.set(c.local, c);
  }
  const allowed = op === 'SetLocale' ? ['locale'] : ['name', 'type'];
  for (const k of params.keys()) if (!allowed.includes(k)) throw new SoapFault('Client', `${op} has no parameter '${k.slice(0, 100)}' (it takes ${allowed.join(', ')})`);
  let request: RdvRequest;
  if (op === 'SetLocale') request = { op, locale: stringParam(params.get('locale')) };
  else {
    const t = stringParam(params.get('type'));
    let type: NameType | null = null;
    if (t !== null) {
      const v = t.trim();
      if (!(NAME_TYPES as readonly string[]).includes(v)) throw new SoapFault('Client', `'${v.slice(0, 100)}' is not a NameType value (${NAME_TYPES.join(', ')})`);
      type = v as NameType;
    }
    request = { op, name: stringParam(params.get('name')), type };
  }
  return { request, replyTo: header ? wsaText(header, 'ReplyTo') : null, messageId: header ? wsaText(header, 'MessageID') : null };
}

function stringParam(el: XmlElement | undefined): string | null {
  if (!el) return null;
  const nil = el.attrs.get(`{${NS_XSI}}nil`);
  if (nil === 'true' || nil === '1') return null;
  if (el.children.length > 0) throw new SoapFault('Client', `parameter '${el.local}' must be text, not elements`);
  return el.text;
}

function wsaText(header: XmlElement, name: string): string | null {
  const el = header.children.find((c) => (c.ns === NS_WSA || c.ns === NS_WSA_2004) && c.local === name);
  if (!el) return null;
  if (name === 'ReplyTo') {
    const addr = el.children.find((c) => c.local === 'Address' && c.ns === el.ns);
    return addr ? addr.text.trim() : null;
  }
  return el.text.trim();
}

// ---- encoding ---------------------------------------------------------------

function envelope(body: string, extraNs = ''): string {
  return `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${NS_SOAP_ENV}"${extraNs}><s:Body>${body}</s:Body></s:Envelope>`;
}

const DATA_DECL = ` xmlns:a="${NS_DATA}" xmlns:i="${NS_XSI}"`;

function nilOr(name: string, v: string | null): string {
  return v === null ? `<a:${name} i:nil="true"/>` : `<a:${name}>${esc(v)}</a:${name}>`;
}

function vmXml(vm: RdvVm): string {
  return `<a:VM>${nilOr('HostFQDN', vm.HostFQDN)}<a:HostType>${vm.HostType}</a:HostType><a:ID>${esc(vm.ID)}</a:ID>${nilOr('Name', vm.Name)}<a:Status>${vm.Status}</a:Status></a:VM>`;
}

export function encodeGetVmResponse(r: VmResult): string {
  const list = r.VMList === null ? '<a:VMList i:nil="true"/>' : `<a:VMList>${r.VMList.map(vmXml).join('')}</a:VMList>`;
  return envelope(`<GetVMResponse xmlns="${NS_SERVICE}"><GetVMResult${DATA_DECL}>${nilOr('DetailedErrorString', r.DetailedErrorString)}<a:ErrorID>${r.ErrorID}</a:ErrorID>${list}</GetVMResult></GetVMResponse>`);
}

export function encodeGuidResponse(op: 'StartVM' | 'PlaceVM', guid: string): string {
  return envelope(`<${op}Response xmlns="${NS_SERVICE}"><${op}Result>${esc(guid)}</${op}Result></${op}Response>`);
}

export function encodeSetLocaleResponse(result: string | null): string {
  const inner = result === null ? `<SetLocaleResult xmlns:i="${NS_XSI}" i:nil="true"/>` : `<SetLocaleResult>${esc(result)}</SetLocaleResult>`;
  return envelope(`<SetLocaleResponse xmlns="${NS_SERVICE}">${inner}</SetLocaleResponse>`);
}

export function encodeFault(code: FaultCode, message: string): string {
  return envelope(`<s:Fault><faultcode>s:${code}</faultcode><faultstring xml:lang="en-US">${esc(message)}</faultstring></s:Fault>`);
}

export function encodeJobUpdated(job: RdvJob): string {
  const j = job;
  return envelope(
    `<JobUpdated xmlns="${NS_SERVICE}"><job${DATA_DECL}>${nilOr('DetailedErrorString', j.DetailedErrorString)}<a:ErrorID>${j.ErrorID}</a:ErrorID><a:ID>${esc(j.ID)}</a:ID>${nilOr('Name', j.Name)}<a:Progress>${j.Progress}</a:Progress><a:Status>${j.Status}</a:Status>${nilOr('Step', j.Step)}</job></JobUpdated>`,
  );
}
