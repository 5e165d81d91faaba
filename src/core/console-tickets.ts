import { randomInt } from 'node:crypto';
import type { ConsoleTicket } from './ports/driver.ts';

/** How long a console ticket is good for: the client connects right after it gets it. */
export const CONSOLE_TICKET_MS = 60_000;

// No look-alikes (0/O, 1/l/I): people may type it into a VNC viewer.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/**
 * A one-time console password: 8 characters (VNC authentication reads 8 bytes), about
 * 46 bits, valid for one connection within {@link CONSOLE_TICKET_MS}. The driver's
 * console enforces it (the sim's RFB server; QEMU's `set_password`/`expire_password`).
 */
export function newConsoleTicket(validForMs = CONSOLE_TICKET_MS): ConsoleTicket {
  let password = '';
  for (let i = 0; i < 8; i++) password += ALPHABET[randomInt(ALPHABET.length)];
  return { password, validForMs };
}
