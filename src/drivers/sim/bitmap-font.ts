/**
 * A 5×7 bitmap font (printable ASCII, HD44780 style) for the simulated VNC console.
 * Each glyph is seven rows of five bits, written as 14 hex digits, top row first.
 */
const GLYPHS: ReadonlyMap<string, string> = new Map([
  [' ', '00000000000000'],
  ['!', '04040404000004'],
  ['"', '0A0A0A00000000'],
  ['#', '0A0A1F0A1F0A0A'],
  ['$', '040F140E051E04'],
  ['%', '18190204081303'],
  ['&', '0C12140815120D'],
  ['\'', '0C040800000000'],
  ['(', '02040808080402'],
  [')', '08040202020408'],
  ['*', '0004150E150400'],
  ['+', '0004041F040400'],
  [',', '000000000C0408'],
  ['-', '0000001F000000'],
  ['.', '00000000000C0C'],
  ['/', '00010204081000'],
  ['0', '0E11131519110E'],
  ['1', '040C040404040E'],
  ['2', '0E11010204081F'],
  ['3', '1F02040201110E'],
  ['4', '02060A121F0202'],
  ['5', '1F101E0101110E'],
  ['6', '0608101E11110E'],
  ['7', '1F010204080808'],
  ['8', '0E11110E11110E'],
  ['9', '0E11110F01020C'],
  [':', '000C0C000C0C00'],
  [';', '000C0C000C0408'],
  ['<', '02040810080402'],
  ['=', '00001F001F0000'],
  ['>', '08040201020408'],
  ['?', '0E110102040004'],
  ['@', '0E11010D15150E'],
  ['A', '0E1111111F1111'],
  ['B', '1E11111E11111E'],
  ['C', '0E11101010110E'],
  ['D', '1C12111111121C'],
  ['E', '1F10101E10101F'],
  ['F', '1F10101E101010'],
  ['G', '0E11101711110F'],
  ['H', '1111111F111111'],
  ['I', '0E04040404040E'],
  ['J', '0702020202120C'],
  ['K', '11121418141211'],
  ['L', '1010101010101F'],
  ['M', '111B1515111111'],
  ['N', '11111915131111'],
  ['O', '0E11111111110E'],
  ['P', '1E11111E101010'],
  ['Q', '0E11111115120D'],
  ['R', '1E11111E141211'],
  ['S', '0F10100E01011E'],
  ['T', '1F040404040404'],
  ['U', '1111111111110E'],
  ['V', '11111111110A04'],
  ['W', '1111111515150A'],
  ['X', '11110A040A1111'],
  ['Y', '1111110A040404'],
  ['Z', '1F01020408101F'],
  ['[', '0E08080808080E'],
  ['\\', '00100804020100'],
  [']', '0E02020202020E'],
  ['^', '040A1100000000'],
  ['_', '0000000000001F'],
  ['`', '08040200000000'],
  ['a', '00000E010F110F'],
  ['b', '1010161911111E'],
  ['c', '00000E1010110E'],
  ['d', '01010D1311110F'],
  ['e', '00000E111F100E'],
  ['f', '0609081C080808'],
  ['g', '000F11110F010E'],
  ['h', '10101619111111'],
  ['i', '04000C0404040E'],
  ['j', '0200060202120C'],
  ['k', '10101214181412'],
  ['l', '0C04040404040E'],
  ['m', '00001A15151111'],
  ['n', '00001619111111'],
  ['o', '00000E1111110E'],
  ['p', '00001E111E1010'],
  ['q', '00000D130F0101'],
  ['r', '00001619101010'],
  ['s', '00000E100E011E'],
  ['t', '08081C08080906'],
  ['u', '0000111111130D'],
  ['v', '00001111110A04'],
  ['w', '0000111115150A'],
  ['x', '0000110A040A11'],
  ['y', '000011110F010E'],
  ['z', '00001F0204081F'],
  ['{', '02040408040402'],
  ['|', '04040404040404'],
  ['}', '08040402040408'],
  ['~', '00000815020000'],
]);

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;

/** The rows of a character's glyph (bit 4 is the leftmost pixel); unknown characters draw as '?'. */
export function glyphRows(ch: string): number[] {
  const hex = GLYPHS.get(ch) ?? GLYPHS.get('?')!;
  const rows: number[] = [];
  for (let i = 0; i < GLYPH_HEIGHT; i++) rows.push(Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16));
  return rows;
}

/** Pixels of 0xRRGGBB values, row-major. */
export interface PixelCanvas {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint32Array;
}

/** Width in pixels of `text` at `scale` (one column of space between glyphs). */
export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * (GLYPH_WIDTH + 1) - 1) * scale;
}

/** Draws `text` with its top-left corner at (x, y); clipped to the canvas. */
export function drawText(canvas: PixelCanvas, x: number, y: number, text: string, scale: number, color: number): void {
  let cx = x;
  for (const ch of text) {
    const rows = glyphRows(ch);
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if (((rows[r] >> (GLYPH_WIDTH - 1 - c)) & 1) === 0) continue;
        fillRect(canvas, cx + c * scale, y + r * scale, scale, scale, color);
      }
    }
    cx += (GLYPH_WIDTH + 1) * scale;
  }
}

export function fillRect(canvas: PixelCanvas, x: number, y: number, w: number, h: number, color: number): void {
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(canvas.width, x + w);
  const y1 = Math.min(canvas.height, y + h);
  for (let yy = y0; yy < y1; yy++) canvas.pixels.fill(color, yy * canvas.width + x0, yy * canvas.width + x1);
}
