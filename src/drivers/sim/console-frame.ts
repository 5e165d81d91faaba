import type { PowerState, ToolsState } from '../../core/model/index.ts';
import { drawText, fillRect, GLYPH_HEIGHT, textWidth } from './bitmap-font.ts';
import type { PixelCanvas } from './bitmap-font.ts';

export const CONSOLE_WIDTH = 640;
export const CONSOLE_HEIGHT = 480;
export const CONSOLE_BACKGROUND = 0x10202e;

export interface ConsoleScreen {
  readonly vmName: string;
  readonly hostname: string;
  readonly powerState: PowerState;
  readonly toolsState: ToolsState;
}

const STATE_COLORS: Partial<Record<PowerState, number>> = { poweredOn: 0x5fd35f, paused: 0xf0c040, resetting: 0xf0c040 };

/** What the simulated VM's screen shows: its name, power and tools state, a login prompt. */
export function renderConsoleFrame(s: ConsoleScreen): PixelCanvas {
  const canvas: PixelCanvas = { width: CONSOLE_WIDTH, height: CONSOLE_HEIGHT, pixels: new Uint32Array(CONSOLE_WIDTH * CONSOLE_HEIGHT).fill(CONSOLE_BACKGROUND) };
  fillRect(canvas, 0, 0, CONSOLE_WIDTH, 36, 0x24445f);
  drawText(canvas, 12, 11, 'vmgate simulator console', 2, 0xd8e4ee);

  const name = s.vmName.length > 48 ? `${s.vmName.slice(0, 47)}~` : s.vmName;
  let scale = 4;
  while (scale > 1 && textWidth(name, scale) > CONSOLE_WIDTH - 40) scale--;
  drawText(canvas, Math.max(20, (CONSOLE_WIDTH - textWidth(name, scale)) >> 1), 150, name, scale, 0xffffff);

  const state = `power: ${s.powerState}`;
  drawText(canvas, (CONSOLE_WIDTH - textWidth(state, 3)) >> 1, 150 + GLYPH_HEIGHT * scale + 30, state, 3, STATE_COLORS[s.powerState] ?? 0xe06060);
  const tools = `tools: ${s.toolsState}`;
  drawText(canvas, (CONSOLE_WIDTH - textWidth(tools, 2)) >> 1, 150 + GLYPH_HEIGHT * scale + 70, tools, 2, 0xa0b4c4);

  const prompt = `${s.hostname} login: _`;
  drawText(canvas, 12, CONSOLE_HEIGHT - 30, prompt.length > 100 ? prompt.slice(-100) : prompt, 2, 0xc0c0c0);
  return canvas;
}
