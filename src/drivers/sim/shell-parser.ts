/**
 * Parser of the guest's small POSIX shell: words with single/double quotes and backslash
 * escapes, `$VAR` / `${VAR}` / `$?` / `$1`…, command substitution `$(…)`, `~`, `;` and
 * newlines, `&&`, `||`, `|`, `!`, and the redirects `>`, `>>`, `<`, `N>`, `N>>`, `N>&M`. No
 * subshells, functions, control flow or backquotes: those are syntax errors that say so.
 */

export type WordPart =
  | { readonly type: 'text'; readonly value: string; readonly quoted: boolean }
  | { readonly type: 'var'; readonly name: string; readonly quoted: boolean }
  /** `$(script)`: its output, trailing newlines removed (the script is checked when parsed). */
  | { readonly type: 'cmdsub'; readonly source: string; readonly quoted: boolean }
  | { readonly type: 'tilde' };

export type Word = readonly WordPart[];

export interface Redirect {
  readonly fd: number;
  /** `>&` duplicates: its target is a file descriptor number. */
  readonly op: '>' | '>>' | '<' | '>&';
  readonly target: Word;
}

export interface Assignment {
  readonly name: string;
  readonly value: Word;
}

export interface SimpleCommand {
  readonly assignments: readonly Assignment[];
  readonly words: readonly Word[];
  readonly redirects: readonly Redirect[];
}

export interface Pipeline {
  readonly negated: boolean;
  readonly commands: readonly SimpleCommand[];
}

/** `a && b || c`: the first item has op null. */
export interface AndOrItem {
  readonly op: '&&' | '||' | null;
  readonly pipeline: Pipeline;
}

export interface ShellScript {
  readonly lists: readonly (readonly AndOrItem[])[];
}

export class ShellSyntaxError extends Error {
  constructor(message: string) {
    super(`syntax error: ${message}`);
    this.name = 'ShellSyntaxError';
  }
}

type Token =
  | { readonly type: 'word'; readonly parts: WordPart[] }
  | { readonly type: 'op'; readonly op: ';' | '&&' | '||' | '|' | '\n' }
  | { readonly type: 'redir'; readonly fd: number; readonly op: Redirect['op'] };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export function tokenizeShell(src: string): Token[] {
  const tokens: Token[] = [];
  let cur: WordPart[] | null = null;
  let i = 0;

  const word = (): WordPart[] => (cur ??= []);
  const text = (value: string, quoted: boolean): void => {
    const parts = word();
    const last = parts[parts.length - 1];
    if (last?.type === 'text' && last.quoted === quoted) parts[parts.length - 1] = { type: 'text', value: last.value + value, quoted };
    else parts.push({ type: 'text', value, quoted });
  };
  const end = (): void => {
    if (cur !== null) tokens.push({ type: 'word', parts: cur });
    cur = null;
  };
  const dollar = (quoted: boolean): void => {
    // src[i] === '$'
    const next = src[i + 1];
    if (next === '{') {
      const close = src.indexOf('}', i + 2);
      if (close < 0) throw new ShellSyntaxError('missing }');
      const name = src.slice(i + 2, close);
      if (!/^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[?$#@*!])$/.test(name)) throw new ShellSyntaxError(`bad substitution \${${name}}`);
      word().push({ type: 'var', name, quoted });
      i = close + 1;
      return;
    }
    if (next === '(') {
      const close = closingParen(src, i + 2);
      const source = src.slice(i + 2, close);
      parseShell(source);
      word().push({ type: 'cmdsub', source, quoted });
      i = close + 1;
      return;
    }
    const m = NAME.exec(src.slice(i + 1));
    if (m) {
      word().push({ type: 'var', name: m[0], quoted });
      i += 1 + m[0].length;
      return;
    }
    if (next !== undefined && /[0-9?$#@*!]/.test(next)) {
      word().push({ type: 'var', name: next, quoted });
      i += 2;
      return;
    }
    text('$', quoted);
    i++;
  };

  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      end();
      i++;
    } else if (c === '\n') {
      end();
      tokens.push({ type: 'op', op: '\n' });
      i++;
    } else if (c === '#' && cur === null) {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === ';') {
      end();
      tokens.push({ type: 'op', op: ';' });
      i++;
    } else if (c === '&') {
      if (src[i + 1] !== '&') throw new ShellSyntaxError('background jobs (&) are not supported');
      end();
      tokens.push({ type: 'op', op: '&&' });
      i += 2;
    } else if (c === '|') {
      end();
      if (src[i + 1] === '|') {
        tokens.push({ type: 'op', op: '||' });
        i += 2;
      } else {
        tokens.push({ type: 'op', op: '|' });
        i++;
      }
    } else if (c === '>' || c === '<') {
      let fd = c === '>' ? 1 : 0;
      const parts = cur as WordPart[] | null;
      if (parts && parts.length === 1 && parts[0].type === 'text' && !parts[0].quoted && /^[0-9]$/.test(parts[0].value)) {
        fd = Number(parts[0].value);
        cur = null;
      } else {
        end();
      }
      if (c === '<') {
        tokens.push({ type: 'redir', fd, op: '<' });
        i++;
      } else if (src[i + 1] === '>') {
        tokens.push({ type: 'redir', fd, op: '>>' });
        i += 2;
      } else if (src[i + 1] === '&') {
        tokens.push({ type: 'redir', fd, op: '>&' });
        i += 2;
      } else {
        tokens.push({ type: 'redir', fd, op: '>' });
        i++;
      }
    } else if (c === "'") {
      const close = src.indexOf("'", i + 1);
      if (close < 0) throw new ShellSyntaxError('unterminated quoted string');
      text(src.slice(i + 1, close), true);
      i = close + 1;
    } else if (c === '"') {
      word();
      text('', true);
      i++;
      for (;;) {
        if (i >= src.length) throw new ShellSyntaxError('unterminated quoted string');
        const d = src[i];
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && i + 1 < src.length && '$`"\\\n'.includes(src[i + 1])) {
          if (src[i + 1] !== '\n') text(src[i + 1], true);
          i += 2;
        } else if (d === '$') {
          dollar(true);
        } else if (d === '`') {
          throw new ShellSyntaxError('command substitution `...` is not supported');
        } else {
          text(d, true);
          i++;
        }
      }
    } else if (c === '\\') {
      if (i + 1 >= src.length) {
        i++;
      } else if (src[i + 1] === '\n') {
        i += 2;
      } else {
        text(src[i + 1], true);
        i += 2;
      }
    } else if (c === '$') {
      dollar(false);
    } else if (c === '~' && cur === null && (i + 1 >= src.length || /[/\s;|&<>]/.test(src[i + 1]))) {
      word().push({ type: 'tilde' });
      i++;
    } else if (c === '(' || c === ')' || c === '`' || (c === '{' && cur === null && /\s/.test(src[i + 1] ?? ''))) {
      throw new ShellSyntaxError(`'${c}' (subshells, groups and substitutions) is not supported`);
    } else {
      text(c, false);
      i++;
    }
  }
  end();
  return tokens;
}

/** Index of the `)` that closes a `$(` whose body starts at `from` (quotes and nesting skipped). */
function closingParen(src: string, from: number): number {
  let depth = 1;
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      i++;
    } else if (c === "'") {
      const close = src.indexOf("'", i + 1);
      if (close < 0) break;
      i = close;
    } else if (c === '"') {
      for (i++; i < src.length && src[i] !== '"'; i++) if (src[i] === '\\') i++;
    } else if (c === '(') {
      depth++;
    } else if (c === ')' && --depth === 0) {
      return i;
    }
  }
  throw new ShellSyntaxError('missing ) of $(');
}

export function parseShell(src: string): ShellScript {
  const tokens = tokenizeShell(src);
  let i = 0;
  const peek = (): Token | undefined => tokens[i];
  const isOp = (t: Token | undefined, ...ops: string[]): boolean => t?.type === 'op' && ops.includes(t.op);
  const skipNewlines = (): void => {
    while (isOp(peek(), '\n')) i++;
  };
  const describe = (t: Token | undefined): string =>
    t === undefined ? 'end of input' : t.type === 'op' ? (t.op === '\n' ? 'newline' : `'${t.op}'`) : t.type === 'redir' ? `'${t.op}'` : 'word';

  const command = (): SimpleCommand => {
    const assignments: Assignment[] = [];
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    for (;;) {
      const t = peek();
      if (t?.type === 'redir') {
        i++;
        const target = peek();
        if (target?.type !== 'word') throw new ShellSyntaxError(`unexpected ${describe(target)} after '${t.op}'`);
        i++;
        redirects.push({ fd: t.fd, op: t.op, target: target.parts });
      } else if (t?.type === 'word') {
        i++;
        const first = t.parts[0];
        const m = words.length === 0 && first?.type === 'text' && !first.quoted ? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(first.value) : null;
        if (m && first?.type === 'text') {
          const rest = first.value.slice(m[0].length);
          assignments.push({ name: m[1], value: [...(rest ? [{ type: 'text' as const, value: rest, quoted: false }] : []), ...t.parts.slice(1)] });
        } else {
          words.push(t.parts);
        }
      } else {
        break;
      }
    }
    if (assignments.length === 0 && words.length === 0 && redirects.length === 0) throw new ShellSyntaxError(`unexpected ${describe(peek())}`);
    return { assignments, words, redirects };
  };

  const pipeline = (): Pipeline => {
    let negated = false;
    const t = peek();
    if (t?.type === 'word' && t.parts.length === 1 && t.parts[0].type === 'text' && !t.parts[0].quoted && t.parts[0].value === '!') {
      negated = true;
      i++;
    }
    const commands = [command()];
    while (isOp(peek(), '|')) {
      i++;
      skipNewlines();
      commands.push(command());
    }
    return { negated, commands };
  };

  const lists: AndOrItem[][] = [];
  for (;;) {
    while (isOp(peek(), '\n', ';')) {
      if (isOp(peek(), ';') && (lists.length === 0 || i === 0 || isOp(tokens[i - 1], ';'))) throw new ShellSyntaxError("unexpected ';'");
      i++;
    }
    if (peek() === undefined) break;
    const items: AndOrItem[] = [{ op: null, pipeline: pipeline() }];
    while (isOp(peek(), '&&', '||')) {
      const op = (peek() as { op: '&&' | '||' }).op;
      i++;
      skipNewlines();
      items.push({ op, pipeline: pipeline() });
    }
    lists.push(items);
    const t = peek();
    if (t !== undefined && !isOp(t, ';', '\n')) throw new ShellSyntaxError(`unexpected ${describe(t)}`);
  }
  return { lists };
}
