import { request as httpRequest, createServer, type IncomingMessage, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { NameType, Operation, RdvJob, VmError, VmResult } from '../../protocols/rdv/contract.ts';
import { soapAction } from '../../protocols/rdv/contract.ts';
import type { RdvFaultInfo } from '../../protocols/rdv/client-codec.ts';
import { RdvDecodeError, decodeBody, decodeJobUpdated, decodeResult, decodeVmResult, encodeRequest } from '../../protocols/rdv/client-codec.ts';

/**
 * `vmgate/rdv`: a client of vmgate's RDV custom-VDI SOAP service (GetVM, StartVM, PlaceVM,
 * SetLocale) and a receiver for its JobUpdated callbacks.
 */
export type { NameType, RdvJob, RdvVm, VmError, VmResult, VmStatus, VmHostType, JobStatus } from '../../protocols/rdv/contract.ts';
export { RdvDecodeError } from '../../protocols/rdv/client-codec.ts';

export interface RdvClientOptions {
  /** The service address: `https://host:8443/RDV` (or the loopback `http://127.0.0.1:<port>/RDV`). */
  readonly url: string;
  readonly user: string;
  readonly password: string;
  /** PEM certificate(s) to trust for HTTPS (vmgate's self-signed one). */
  readonly ca?: string;
  /** TLS server name to check the certificate against (default: the URL's host). */
  readonly servername?: string;
}

/** The service answered with a SOAP fault. */
export class RdvFault extends Error implements RdvFaultInfo {
  readonly faultCode: string;
  readonly faultString: string;
  readonly vmError: VmError | null;
  constructor(
    info: RdvFaultInfo,
    readonly httpStatus: number,
  ) {
    super(info.faultString);
    this.name = 'RdvFault';
    this.faultCode = info.faultCode;
    this.faultString = info.faultString;
    this.vmError = info.vmError;
  }
}

export class RdvClient {
  private cookie: string | null = null;
  private readonly url: URL;

  constructor(private readonly opts: RdvClientOptions) {
    this.url = new URL(opts.url);
  }

  async getVm(name: string, type: NameType = 'VM_NAME'): Promise<VmResult> {
    return decodeVmResult(await this.call('GetVM', encodeRequest('GetVM', { name, type })));
  }

  /** Starts the VM (placing it first if it must); returns the job GUID. */
  async startVm(name: string, type: NameType = 'VM_NAME', replyTo?: string): Promise<string> {
    return (await this.guidCall('StartVM', name, type, replyTo)) ?? '';
  }

  /** Moves a library VM onto a host; returns the job GUID. */
  async placeVm(name: string, type: NameType = 'VM_NAME', replyTo?: string): Promise<string> {
    return (await this.guidCall('PlaceVM', name, type, replyTo)) ?? '';
  }

  /** Sets the language of error strings for this client's session; returns the locale in force. */
  async setLocale(locale: string): Promise<string | null> {
    return decodeResult(await this.call('SetLocale', encodeRequest('SetLocale', { locale })), 'SetLocale');
  }

  /** The WSDL the service serves. */
  async wsdl(): Promise<string> {
    const r = await this.send('GET', `${this.url.pathname}?wsdl`, null, {});
    if (r.status !== 200) throw new RdvDecodeError(`GET ?wsdl answered ${r.status}`);
    return r.body;
  }

  private async guidCall(op: 'StartVM' | 'PlaceVM', name: string, type: NameType, replyTo?: string): Promise<string | null> {
    return decodeResult(await this.call(op, encodeRequest(op, { name, type }, replyTo)), op);
  }

  private async call(op: Operation, body: string) {
    const auth = 'Basic ' + Buffer.from(`${this.opts.user}:${this.opts.password}`).toString('base64');
    const r = await this.send('POST', this.url.pathname, body, { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${soapAction(op)}"`, authorization: auth, ...(this.cookie ? { cookie: this.cookie } : {}) });
    const setCookie = r.headers['set-cookie'];
    if (setCookie?.[0]) this.cookie = setCookie[0].split(';')[0]!;
    const b = decodeBody(r.body);
    if ('fault' in b) throw new RdvFault(b.fault, r.status);
    return b.el;
  }

  private send(method: string, path: string, body: string | null, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string[] | undefined>; body: string }> {
    return new Promise((res, rej) => {
      const https = this.url.protocol === 'https:';
      const common = { host: this.url.hostname, port: this.url.port || (https ? 443 : 80), method, path, headers };
      const done = (r: IncomingMessage) => {
        const chunks: Buffer[] = [];
        r.on('data', (d: Buffer) => chunks.push(d));
        r.on('end', () => {
          const sc = r.headers['set-cookie'];
          res({ status: r.statusCode ?? 0, headers: { 'set-cookie': sc }, body: Buffer.concat(chunks).toString('utf8') });
        });
        r.on('error', rej);
      };
      const req = https ? httpsRequest({ ...common, ...(this.opts.ca ? { ca: this.opts.ca } : {}), ...(this.opts.servername ? { servername: this.opts.servername } : {}) }, done) : httpRequest(common, done);
      req.on('error', rej);
      if (body !== null) req.write(body);
      req.end();
    });
  }
}

/** A JobUpdated receiver: an HTTP listener that decodes each callback and hands the Job on. */
export interface JobUpdatedReceiver {
  /** The callback address to register (`http://host:port/`). */
  readonly url: string;
  close(): Promise<void>;
}

export async function startJobUpdatedReceiver(onJob: (job: RdvJob) => void, opts: { host?: string; port?: number } = {}): Promise<JobUpdatedReceiver> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size <= 1024 * 1024) chunks.push(d);
    });
    req.on('end', () => {
      try {
        onJob(decodeJobUpdated(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end();
      } catch (e) {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end(String((e as Error).message));
      }
    });
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', r));
  const a = server.address() as AddressInfo;
  return {
    url: `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}/`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
