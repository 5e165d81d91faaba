/**
 * vSphere's `processes.create` takes a program's arguments as ONE string, and on Linux
 * guests hands `path arguments` to /bin/bash: the client quotes as for a shell, and
 * redirections (`> out.txt`), pipes and variables work. Core starts programs from an argv.
 *
 * {@link parseArguments} splits the string into words the way a POSIX shell does —
 * blanks separate words; `'…'` is literal; `"…"` keeps blanks and lets `\` escape
 * `$ \` " \` and newline; `\` outside quotes escapes the next character — and says whether
 * the string uses shell syntax beyond plain words (unquoted `| & ; < > ( ) $ \``, globs,
 * a leading `~` or `#`, `$`/`` ` `` inside double quotes). The processes handler then runs
 * `/bin/sh -c '<path> <arguments>'`, as vSphere's bash would; plain words go to the
 * program directly, so its pid is the program's own.
 */
import { invalidArgument } from '../../../core/errors.ts';

export interface ParsedArguments {
  /** The words, quotes removed. */
  readonly args: readonly string[];
  /** The text needs a shell to mean what it says (redirections, pipes, variables, globs…). */
  readonly shellSyntax: boolean;
}

const BLANK = new Set([' ', '\t']);
const OPERATOR = new Set(['|', '&', ';', '<', '>', '(', ')', '$', '`', '*', '?', '[', '\n']);
const DOUBLE_QUOTE_ESCAPABLE = new Set(['$', '`', '"', '\\', '\n']);
const MAX_LENGTH = 256 * 1024;

export function parseArguments(text: string): ParsedArguments {
  if (text.length > MAX_LENGTH) throw invalidArgument(`the arguments are ${text.length} characters long; at most ${MAX_LENGTH} are accepted`, { module: 'face.vapi' });
  if (text.includes('\0')) throw invalidArgument('the arguments contain a NUL character', { module: 'face.vapi' });
  const args: string[] = [];
  let shellSyntax = false;
  let word = '';
  let inWord = false;
  let i = 0;
  const end = (): void => {
    if (inWord) args.push(word);
    word = '';
    inWord = false;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (BLANK.has(c)) {
      end();
      i++;
    } else if (c === '\\') {
      inWord = true;
      if (i + 1 >= text.length) {
        word += '\\'; // a trailing backslash stays, as in sh -c 'echo a\'
        i++;
      } else if (text[i + 1] === '\n') {
        i += 2; // line continuation
      } else {
        word += text[i + 1];
        i += 2;
      }
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw invalidArgument(`the arguments have an unterminated single quote at character ${i + 1}: ${excerpt(text, i)}`, { module: 'face.vapi' });
      word += text.slice(i + 1, close);
      inWord = true;
      i = close + 1;
    } else if (c === '"') {
      inWord = true;
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw invalidArgument(`the arguments have an unterminated double quote at character ${i + 1}: ${excerpt(text, i)}`, { module: 'face.vapi' });
        const d = text[j]!;
        if (d === '"') break;
        if (d === '\\' && j + 1 < text.length && DOUBLE_QUOTE_ESCAPABLE.has(text[j + 1]!)) {
          if (text[j + 1] !== '\n') word += text[j + 1];
          j += 2;
          continue;
        }
        if (d === '$' || d === '`') shellSyntax = true;
        word += d;
        j++;
      }
      i = j + 1;
    } else {
      if (OPERATOR.has(c) || (!inWord && (c === '~' || c === '#'))) shellSyntax = true;
      word += c;
      inWord = true;
      i++;
    }
  }
  end();
  return { args, shellSyntax };
}

/** One word as a POSIX shell reads it back: bare when safe, else in single quotes. */
export function shellQuote(word: string): string {
  return word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function excerpt(text: string, at: number): string {
  const s = text.slice(at, at + 40);
  return JSON.stringify(s.length < text.length - at ? `${s}…` : s);
}
