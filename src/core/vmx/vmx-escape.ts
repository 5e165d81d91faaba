/**
 * VMware's escaping of .vmx values: a byte is written as `|XX` (the escape byte `|`
 * followed by two hex digits). On write VMware escapes the double quote, `|`, DEL and
 * every control character except tab; bytes 0x80–0xFF (UTF-8) stay as they are. On read
 * `|` followed by two hex digits (either case) is one byte; any other `|` is literal.
 */

const HEX_ESCAPE = /\|[0-9A-Fa-f]{2}/;

/** Decodes `|XX` escapes; the escaped bytes are UTF-8 (`|C3|A9` is "é"). */
export function decodeVmxValue(raw: string): string {
  if (!HEX_ESCAPE.test(raw)) return raw;
  const bytes = Buffer.from(raw, 'utf8');
  const out = Buffer.alloc(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x7c && i + 2 < bytes.length && isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
      out[n++] = (hexValue(bytes[i + 1]) << 4) | hexValue(bytes[i + 2]);
      i += 2;
    } else {
      out[n++] = b;
    }
  }
  return out.subarray(0, n).toString('utf8');
}

/** Encodes a value the way VMware writes it between the quotes. */
export function encodeVmxValue(value: string): string {
  let out = '';
  for (const ch of value) {
    const c = ch.codePointAt(0) ?? 0;
    if ((c < 0x20 && c !== 0x09) || c === 0x22 || c === 0x7c || c === 0x7f) {
      out += '|' + c.toString(16).toUpperCase().padStart(2, '0');
    } else {
      out += ch;
    }
  }
  return out;
}

function isHex(b: number | undefined): b is number {
  return b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));
}

function hexValue(b: number): number {
  if (b <= 0x39) return b - 0x30;
  if (b <= 0x46) return b - 0x41 + 10;
  return b - 0x61 + 10;
}
