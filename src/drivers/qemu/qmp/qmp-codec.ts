/**
 * Framing of the QEMU monitor (QMP) and guest agent (QGA) wire format: one JSON object per
 * line (QEMU ends lines with "\r\n"). Chunks from the socket may hold part of a message or
 * several; the codec keeps the bytes of an unfinished line until its newline arrives.
 *
 * The guest agent also uses the byte 0xFF, which never occurs in UTF-8 JSON: the agent
 * writes it before the reply to `guest-sync-delimited` so a client can drop whatever
 * half-read garbage precedes it. The codec treats 0xFF as "forget the partial line".
 */
export type JsonObject = Record<string, unknown>;

const NEWLINE = 0x0a;
const SENTINEL = 0xff;

export class QmpCodec {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /**
   * @param onInvalid called with a line that is not a JSON object (it is skipped).
   * @param maxLineBytes a line longer than this is dropped (protects the control plane).
   */
  constructor(
    private readonly onInvalid: (line: string, error: unknown) => void = () => undefined,
    private readonly maxLineBytes = 64 * 1024 * 1024,
  ) {}

  /** Feeds bytes read from the socket; returns the complete messages they finish, in order. */
  push(chunk: Buffer): JsonObject[] {
    const out: JsonObject[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === SENTINEL) {
        this.reset();
        start = i + 1;
      } else if (b === NEWLINE) {
        this.take(chunk.subarray(start, i), out);
        start = i + 1;
      }
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (this.pendingBytes + rest.length > this.maxLineBytes) {
        this.onInvalid(`<line longer than ${this.maxLineBytes} bytes dropped>`, new Error('line too long'));
        this.reset();
      } else {
        // Copy: the caller may reuse the chunk's memory.
        this.pending.push(Buffer.from(rest));
        this.pendingBytes += rest.length;
      }
    }
    return out;
  }

  /** Drops a partial line (after a reconnect or a sentinel). */
  reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Bytes held of an unfinished line. */
  get buffered(): number {
    return this.pendingBytes;
  }

  private take(tail: Buffer, out: JsonObject[]): void {
    const line = this.pending.length === 0 ? tail : Buffer.concat([...this.pending, tail]);
    this.reset();
    const text = line.toString('utf8').trim();
    if (text === '') return;
    try {
      const value: unknown = JSON.parse(text);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        this.onInvalid(text, new Error('not a JSON object'));
        return;
      }
      out.push(value as JsonObject);
    } catch (e) {
      this.onInvalid(text, e);
    }
  }
}

/** One message on the wire: compact JSON and a newline. */
export function encodeQmpMessage(message: JsonObject): Buffer {
  return Buffer.from(`${JSON.stringify(message)}\n`, 'utf8');
}
