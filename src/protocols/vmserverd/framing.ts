/**
 * vmgate's framing of vmserverd exec messages on the authd connection after `230`
 * (no public source documents the original's, so this one is vmgate's own):
 *
 *   request:  `EXEC <n>\r\n` then exactly <n> bytes of UTF-8 XML (one `<exec>` document)
 *   reply:    `200 <n>\r\n` then exactly <n> bytes of the reply document
 *   end:      `QUIT\r\n` → `221 Goodbye.`
 *
 * <n> is decimal digits only (no sign, no spaces inside, at most 12 digits). Requests may
 * be pipelined; replies come in order. A frame above the limit, or a length that is not a
 * number, is a fatal framing error: the server answers with an error line and closes.
 */

export const DEFAULT_MAX_FRAME = 64 * 1024 * 1024;
/** Longest header/command line (without its CRLF). */
export const MAX_LINE = 4096;

export type FrameItem =
  | { readonly kind: 'frame'; readonly verb: string; readonly body: Buffer }
  | { readonly kind: 'line'; readonly line: string }
  | { readonly kind: 'error'; readonly message: string };

export interface FrameDecoderOptions {
  /** Line verbs followed by a byte count and a body: 'EXEC' on the server, '200' on the client. */
  readonly lengthVerbs: readonly string[];
  readonly maxFrame?: number;
}

/**
 * Splits a byte stream into lines and length-prefixed frames. After an 'error' item the
 * stream is out of step and the decoder yields nothing more (the connection must close).
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Body bytes still expected for the frame in progress, and its verb. */
  private want: { verb: string; n: number } | null = null;
  private broken = false;
  /** May be changed between frames (the door allows only small frames before login). */
  maxFrame: number;
  private readonly verbs: ReadonlySet<string>;

  constructor(opts: FrameDecoderOptions) {
    this.maxFrame = opts.maxFrame ?? DEFAULT_MAX_FRAME;
    this.verbs = new Set(opts.lengthVerbs.map((v) => v.toUpperCase()));
  }

  /** True while a frame body is partly received (a client stalling here is timed out). */
  get midFrame(): boolean {
    return this.want !== null || this.buffered > 0;
  }

  push(data: Buffer): FrameItem[] {
    if (this.broken) return [];
    this.chunks.push(data);
    this.buffered += data.length;
    const out: FrameItem[] = [];
    while (!this.broken) {
      if (this.want) {
        if (this.buffered < this.want.n) break;
        const body = this.take(this.want.n);
        out.push({ kind: 'frame', verb: this.want.verb, body });
        this.want = null;
        continue;
      }
      const all = this.peekAll();
      const nl = all.indexOf(0x0a);
      if (nl < 0) {
        if (this.buffered > MAX_LINE) out.push(this.fail(`a line longer than ${MAX_LINE} bytes`));
        break;
      }
      if (nl > MAX_LINE + 1) {
        out.push(this.fail(`a line longer than ${MAX_LINE} bytes`));
        break;
      }
      const raw = this.take(nl + 1).subarray(0, nl);
      const line = raw.toString('utf8').replace(/\r$/, '');
      const m = /^(\S+)(?:[ \t]+(.*))?$/.exec(line);
      const verb = m?.[1]?.toUpperCase() ?? '';
      if (m && this.verbs.has(verb)) {
        const arg = (m[2] ?? '').trim();
        if (!/^\d{1,12}$/.test(arg)) {
          out.push(this.fail(`the length after ${verb} must be a non-negative decimal number, not '${arg.slice(0, 40)}'`));
          break;
        }
        const n = Number(arg);
        if (n > this.maxFrame) {
          out.push(this.fail(`a frame of ${n} bytes is larger than the limit of ${this.maxFrame} bytes`));
          break;
        }
        this.want = { verb, n };
        continue;
      }
      out.push({ kind: 'line', line });
    }
    return out;
  }

  private fail(message: string): FrameItem {
    this.broken = true;
    this.chunks = [];
    this.buffered = 0;
    this.want = null;
    return { kind: 'error', message };
  }

  private peekAll(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private take(n: number): Buffer {
    const all = this.peekAll();
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return Buffer.from(head);
  }
}

/** `EXEC <n>\r\n<body>` (client side). */
export function encodeExecFrame(xml: string): Buffer {
  const body = Buffer.from(xml, 'utf8');
  return Buffer.concat([Buffer.from(`EXEC ${body.length}\r\n`, 'latin1'), body]);
}

/** `200 <n>\r\n<body>` (server side). */
export function encodeReplyFrame(xml: string): Buffer {
  const body = Buffer.from(xml, 'utf8');
  return Buffer.concat([Buffer.from(`200 ${body.length}\r\n`, 'latin1'), body]);
}
