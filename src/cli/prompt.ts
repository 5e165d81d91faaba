/**
 * Secrets from the terminal or from stdin: a prompt that does not echo, and "read the
 * password from stdin" for scripts (`--password-stdin`).
 */
import { CliError, EXIT_USAGE } from './cli-error.ts';

/** The first line of stdin (trailing CR/LF removed). */
export async function readStdinLine(what = 'password'): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) {
    chunks.push(c as Buffer);
    if ((c as Buffer).includes(0x0a)) break;
  }
  process.stdin.pause();
  const text = Buffer.concat(chunks).toString('utf8');
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line === '') throw new CliError('INVALID_ARGUMENT', `no ${what} on stdin`, EXIT_USAGE);
  return line;
}

/** Asks on the terminal (prompt on stderr) without echoing what is typed. */
export function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return Promise.reject(new CliError('INVALID_ARGUMENT', 'cannot prompt: stdin is not a terminal', EXIT_USAGE));
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (buf: Buffer): void => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new CliError('CANCELLED', 'cancelled', 130));
        if (ch === '\u0004') return value === '' ? done(new CliError('CANCELLED', 'cancelled', 130)) : done();
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch === '\u0015') value = ''; // Ctrl-U
        else if (ch >= ' ') value += ch;
      }
    };
    // Echo off before the prompt shows: what is typed as soon as it appears is not echoed.
    stdin.setRawMode(true);
    process.stderr.write(prompt);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/**
 * A secret from, in order: stdin when `fromStdin`, the environment variable, a prompt on a
 * terminal, or stdin when it is not a terminal.
 */
export async function readSecret(opts: { fromStdin?: boolean; envVar: string; prompt: string; what: string }): Promise<string> {
  if (opts.fromStdin) return readStdinLine(opts.what);
  const env = process.env[opts.envVar];
  if (env) return env;
  if (process.stdin.isTTY) {
    const v = await promptHidden(opts.prompt);
    if (v === '') throw new CliError('INVALID_ARGUMENT', `no ${opts.what} given`, EXIT_USAGE);
    return v;
  }
  return readStdinLine(opts.what);
}

/** Asks a yes/no question on the terminal (stderr); only an answer starting with y is yes. */
export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new CliError('INVALID_ARGUMENT', 'cannot ask: stdin is not a terminal', EXIT_USAGE);
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^\s*y/i.test(await rl.question(question));
  } finally {
    rl.close();
  }
}
