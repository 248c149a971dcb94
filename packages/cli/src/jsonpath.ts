/**
 * kubectl's JSONPath templates (`-o jsonpath=`, `custom-columns`, `--sort-by`, `wait --for=jsonpath=`),
 * written from the Kubernetes documentation of the language and checked against kubectl's output:
 * text outside braces is printed as it is; inside braces `$` (the root), `@` (the current object),
 * `.field` (any characters but `. , [ ] { } $ @` and space; `\.` for a dot), `..field` (recursive),
 * `*`, `['a.b']` (a path, as kubectl reads it), `[n]`, `[-n]`, `[start:end:step]`, `[a,b]`, `[?(@.x == "y")]` (`== != < > <= >=`,
 * or `[?(@.x)]` for existence), `"text"` literals, and `range EXPR` ... `end`. Missing fields print
 * nothing (kubectl's `--allow-missing-template-keys`, on by default). Results of one expression are
 * joined by a space; a map or list is printed as compact JSON with sorted keys, scalars as Go prints them.
 * What kubectl refuses is refused, with its words: a name without its dot (`{metadata.name}`:
 * unrecognized identifier), a key in double quotes or with spaces (`["a"]`, `[ 'a' ]`), an index with a
 * space or `+`, an escape Go does not know (`{"\x"}`), an index or slice out of bounds or backwards
 * (`[1:0]`), and an index or filter on what is no list (`map[string]interface {} is not array or slice`).
 */
import { CliError } from './errors.js';

type Value = unknown;

/** One step of a path. */
type Step =
  | { op: 'root' }
  | { op: 'current' }
  | { op: 'field'; names: string[][] }
  /** `{metadata}`: a name without its dot, which kubectl refuses when it runs the template. */
  | { op: 'identifier'; name: string }
  | { op: 'wildcard' }
  | { op: 'recursive' }
  | { op: 'index'; start?: number; end?: number; step?: number; single: boolean }
  | { op: 'union'; branches: Step[] }
  | { op: 'filter'; left: Operand; operator?: string; right?: Operand };

type Operand = { path: Step[] } | { literal: Value };

/** A node of a template. */
type Node = { kind: 'text'; text: string } | { kind: 'path'; steps: Step[] } | { kind: 'literal'; value: string } | { kind: 'range'; steps: Step[]; body: Node[] };

const TERMINATORS = new Set([' ', '.', ',', '[', ']', '$', '@', '{', '}', '(', ')', '=', '!', '<', '>']);

class Parser {
  constructor(
    private readonly text: string,
    private i: number,
    private readonly end: number,
  ) {}

  private fail(message: string): never {
    throw new Error(message);
  }

  private peek(): string {
    return this.i < this.end ? this.text[this.i]! : '';
  }

  private skipSpaces(): void {
    while (this.peek() === ' ') this.i++;
  }

  /**
   * A quoted string starting at the quote, read as Go's strconv.Unquote reads it (kubectl's literals):
   * the escapes `\a \b \f \n \r \t \v \\ \xHH \NNN \uHHHH \UHHHHHHHH` and the quote's own; any
   * other escape is invalid syntax. Single quotes work as double ones (kubectl's `{'a b'}`).
   */
  quoted(): string {
    const start = this.i;
    const quote = this.text[this.i]!;
    this.i++;
    while (this.i < this.end && this.text[this.i] !== quote) this.i += this.text[this.i] === '\\' ? 2 : 1;
    if (this.i >= this.end) this.fail(`unterminated string ${JSON.stringify(this.text.slice(0, this.end))}`);
    this.i++;
    const raw = this.text.slice(start, this.i);
    const value = goUnquote(raw.slice(1, -1), quote);
    if (value === undefined) this.fail(`unquote string ${raw}: invalid syntax`);
    return value;
  }

  /** The steps of a path up to a space, `)`, a comparison or the end. */
  path(): Step[] {
    const steps: Step[] = [];
    for (;;) {
      const c = this.peek();
      if (c === '$') {
        steps.push({ op: 'root' });
        this.i++;
      } else if (c === '@') {
        steps.push({ op: 'current' });
        this.i++;
      } else if (c === '.') {
        this.i++;
        if (this.peek() === '.') {
          steps.push({ op: 'recursive' });
          this.i++;
        }
        if (this.peek() === '*') {
          steps.push({ op: 'wildcard' });
          this.i++;
          continue;
        }
        let name = '';
        while (this.i < this.end && !TERMINATORS.has(this.peek())) {
          if (this.peek() === '\\' && this.text[this.i + 1] === '.') {
            name += '.';
            this.i += 2;
          } else name += this.text[this.i++];
        }
        if (name !== '') steps.push({ op: 'field', names: [[name]] });
      } else if (c === '[') {
        steps.push(this.bracket());
      } else if (c !== '' && /[A-Za-z_]/.test(c) && steps.length === 0) {
        // `{metadata.name}`: a field without its dot. kubectl parses it, then refuses it when it runs.
        let name = '';
        while (this.i < this.end && !TERMINATORS.has(this.peek())) name += this.text[this.i++];
        steps.push({ op: 'identifier', name });
      } else return steps;
    }
  }

  /** `[...]`: a filter `[?(...)]`, or what kubectl's parseArray reads (see `arrayStep`). */
  private bracket(): Step {
    this.i++;
    if (this.peek() === '?') {
      this.i++;
      this.expect('(');
      this.skipSpaces();
      const left = this.operand();
      this.skipSpaces();
      let operator: string | undefined;
      let right: Operand | undefined;
      const m = /^(==|!=|<=|>=|<|>)/.exec(this.text.slice(this.i, this.end));
      if (m) {
        operator = m[1]!;
        this.i += operator.length;
        this.skipSpaces();
        right = this.operand();
        this.skipSpaces();
      }
      this.expect(')');
      this.expect(']');
      return { op: 'filter', left, ...(operator ? { operator, right } : {}) };
    }
    const close = this.text.indexOf(']', this.i);
    if (close < 0 || close >= this.end) this.fail('unterminated array');
    const inner = this.text.slice(this.i, close);
    this.i = close + 1;
    return this.arrayStep(inner);
  }

  /**
   * The inside of `[...]` as kubectl reads it, exactly: `*` (every item of a list), a union `a,b` (each
   * part trimmed and read again), a key `'a.b'` (a path, as kubectl reads it; no spaces around it), or a
   * slice `n`, `start:end`, `start:end:step` (digits and `-` only: no space, no `+`).
   */
  private arrayStep(text: string): Step {
    const inner = text === '*' ? ':' : text;
    const parts = inner.split(',');
    if (parts.length > 1) return { op: 'union', branches: parts.map((part) => this.arrayStep(part.trim())) };
    const key = /^'([^']*)'$/.exec(inner);
    // kubectl reads a quoted name as a path: ['metadata.name'] is .metadata.name (a dot in a key: \.).
    if (key) return { op: 'field', names: [key[1]!.split(/(?<!\\)\./).map((part) => part.replace(/\\\./g, '.'))] };
    const slice = /^(-?\d*)(?::(-?\d*))?(?::(-?\d*))?$/.exec(inner);
    if (!slice || (inner === '' && text !== '*')) this.fail(`invalid array index ${text}`);
    const number = (s: string | undefined) => (s === undefined || s === '' ? undefined : this.integer(s));
    if (!inner.includes(':')) {
      const n = this.integer(inner);
      return { op: 'index', start: n, end: n + 1, single: true };
    }
    return { op: 'index', start: number(slice[1]), end: number(slice[2]), step: number(slice[3]), single: false };
  }

  private integer(s: string): number {
    if (!/^-?\d+$/.test(s)) this.fail(`invalid array index ${s}`);
    return Number(s);
  }

  private operand(): Operand {
    const c = this.peek();
    if (c === '@' || c === '$' || c === '.') return { path: this.path() };
    if (c === '"' || c === "'") return { literal: this.quoted() };
    const m = /^(-?\d+(?:\.\d+)?|true|false)/.exec(this.text.slice(this.i, this.end));
    if (!m) this.fail(`unrecognized filter operand at ${JSON.stringify(this.text.slice(this.i, this.end))}`);
    this.i += m[1]!.length;
    return { literal: m[1] === 'true' ? true : m[1] === 'false' ? false : Number(m[1]) };
  }

  private expect(c: string): void {
    this.skipSpaces();
    if (this.peek() !== c) this.fail(`expected ${JSON.stringify(c)} at ${JSON.stringify(this.text.slice(this.i, this.end)) || 'the end'}`);
    this.i++;
  }

  /** The action between braces: a literal, `range PATH`, `end`, or a path. */
  action(): { kind: 'literal'; value: string } | { kind: 'range'; steps: Step[] } | { kind: 'end' } | { kind: 'path'; steps: Step[] } {
    this.skipSpaces();
    const rest = this.text.slice(this.i, this.end);
    if (rest.startsWith('"') || rest.startsWith("'")) {
      const value = this.quoted();
      this.skipSpaces();
      if (this.i !== this.end) this.fail(`unexpected ${JSON.stringify(this.text.slice(this.i, this.end))} after a string`);
      return { kind: 'literal', value };
    }
    if (/^end\s*$/.test(rest)) return { kind: 'end' };
    const range = /^range(?:\s+|(?=[.$@[]))/.exec(rest);
    if (range) this.i += range[0].length;
    const steps = this.path();
    this.skipSpaces();
    if (this.i !== this.end) this.fail(`unrecognized character ${JSON.stringify(this.peek())} in ${JSON.stringify(rest)}`);
    return range ? { kind: 'range', steps } : { kind: 'path', steps };
  }
}

/** Parses a template into nodes (text, paths, literals, ranges). @throws Error naming what is wrong. */
function parseTemplate(template: string): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    const top = stack[stack.length - 1]!;
    if (open < 0) {
      top.push({ kind: 'text', text: template.slice(i) });
      break;
    }
    if (open > i) top.push({ kind: 'text', text: template.slice(i, open) });
    // The closing brace, skipping braces inside quotes.
    let close = -1;
    let quote = '';
    for (let j = open + 1; j < template.length; j++) {
      const c = template[j]!;
      if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '}') {
        close = j;
        break;
      }
    }
    if (close < 0) throw new Error('unclosed action');
    const action = new Parser(template, open + 1, close).action();
    if (action.kind === 'end') {
      if (stack.length === 1) throw new Error('not in range, nothing to end');
      stack.pop();
    } else if (action.kind === 'range') {
      const node: Node = { kind: 'range', steps: action.steps, body: [] };
      top.push(node);
      stack.push(node.body);
    } else top.push(action);
    i = close + 1;
  }
  if (stack.length > 1) throw new Error('unclosed range');
  return root;
}

const isObject = (v: Value): v is Record<string, Value> => typeof v === 'object' && v !== null && !Array.isArray(v);

const GO_ESCAPES: Readonly<Record<string, string>> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** The text between the quotes of a Go string literal, unescaped as strconv.Unquote does; undefined when invalid. */
function goUnquote(body: string, quote: string): string | undefined {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\n') return undefined;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) return undefined;
    if (e in GO_ESCAPES) out += GO_ESCAPES[e];
    else if (e === quote) out += e;
    else {
      const hex = { x: 2, u: 4, U: 8 }[e as 'x' | 'u' | 'U'];
      const digits = hex ? body.slice(i + 1, i + 1 + hex) : body.slice(i, i + 3);
      if (hex ? !new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits) : !/^[0-7]{3}$/.test(digits)) return undefined;
      const code = parseInt(digits, hex ? 16 : 8);
      if (code > 0x10ffff || (!hex && code > 0xff)) return undefined;
      out += String.fromCodePoint(code);
      i += hex ? hex : 2;
    }
  }
  return out;
}

/** The Go type kubectl names in an error about a value (`map[string]interface {}`, `string`, `int64`). */
function goType(v: Value): string {
  if (isObject(v)) return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'string' ? 'string' : '[]interface {}';
}

/** kubectl's evalArray: an index or slice of a list; out of bounds and a non-list are errors, as there. */
function sliceOf(v: Value, step: Extract<Step, { op: 'index' }>): Value[] {
  if (v === null) return [];
  if (!Array.isArray(v)) throw new Error(`${goType(v)} is not array or slice`);
  const n = v.length;
  let start = step.start ?? 0;
  let end = step.end ?? n;
  if (start < 0) start += n;
  if (end < 0 || (step.single && step.end === 0)) end += n;
  // Asking for no item is allowed, wherever.
  if (start === end) return [];
  if (start >= n || start < 0) throw new Error(`array index out of bounds: index ${start}, length ${n}`);
  if (end > n || end < 0) throw new Error(`array index out of bounds: index ${end - 1}, length ${n}`);
  if (start > end) throw new Error(`starting index ${start} is greater than ending index ${end}`);
  const by = step.step ?? 1;
  if (by <= 0) throw new Error('step must be > 0');
  const out: Value[] = [];
  for (let k = start; k < end; k += by) out.push(v[k]);
  return out;
}

function descendants(v: Value, out: Value[]): void {
  out.push(v);
  if (Array.isArray(v)) for (const x of v) descendants(x, out);
  else if (isObject(v)) for (const k of Object.keys(v).sort()) descendants(v[k], out);
}

function compare(a: Value, operator: string, b: Value): boolean {
  if (operator === '==') return a === b || (typeof a === 'number' && typeof b === 'number' && a === b);
  if (operator === '!=') return a !== b;
  if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false;
  const x = a as number | string;
  const y = b as number | string;
  return operator === '<' ? x < y : operator === '>' ? x > y : operator === '<=' ? x <= y : x >= y;
}

function evalSteps(steps: readonly Step[], current: readonly Value[], root: Value): Value[] {
  let values: Value[] = [...current];
  for (const step of steps) {
    const next: Value[] = [];
    for (const v of values) {
      switch (step.op) {
        case 'root':
          next.push(root);
          break;
        case 'current':
          next.push(v);
          break;
        case 'field':
          for (const names of step.names) {
            let found: Value[] = [v];
            for (const name of names) found = found.flatMap((x) => (isObject(x) && name in x ? [x[name]] : []));
            next.push(...found);
          }
          break;
        case 'identifier':
          throw new Error(`unrecognized identifier ${step.name}`);
        case 'wildcard':
          if (Array.isArray(v)) next.push(...(v as Value[]));
          else if (isObject(v)) for (const k of Object.keys(v).sort()) next.push(v[k]);
          break;
        case 'recursive':
          descendants(v, next);
          break;
        case 'index':
          next.push(...sliceOf(v, step));
          break;
        case 'union':
          for (const branch of step.branches) next.push(...evalSteps([branch], [v], root));
          break;
        case 'filter': {
          if (v === null) break;
          if (!Array.isArray(v)) throw new Error(`${goType(v)} is not array or slice and cannot be filtered`);
          const items = v as Value[];
          for (const item of items) {
            const left = 'path' in step.left ? evalSteps(step.left.path, [item], root) : [step.left.literal];
            if (!step.operator) {
              if (left.length > 0) next.push(item);
              continue;
            }
            const right = step.right && 'path' in step.right ? evalSteps(step.right.path, [item], root) : [step.right?.literal];
            if (left.length > 0 && right.length > 0 && compare(left[0], step.operator, right[0])) next.push(item);
          }
          break;
        }
      }
    }
    values = next;
  }
  return values;
}

/** A float as Go's `%v` prints it: shortest, exponent form below 1e-4 and from 1e21 (`1e-05`, `1e+21`). */
export function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 21) {
    const [mantissa, e] = n.toExponential().split('e') as [string, string];
    const sign = e.startsWith('-') ? '-' : '+';
    const digits = e.replace(/^[+-]/, '');
    return `${mantissa}e${sign}${digits.padStart(2, '0')}`;
  }
  return String(n);
}

/** JSON as Go's json.Marshal writes it: compact, keys sorted, `<`, `>` and `&` escaped. */
export function goJson(v: Value): string {
  const sorted = (x: Value): Value => (Array.isArray(x) ? x.map(sorted) : isObject(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, sorted(x[k])])) : x);
  return JSON.stringify(sorted(v)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A value as Go's fmt.Sprint prints it (what custom-columns shows): `map[a:1 b:x]`, `[a b]`, `<nil>`. */
export function goSprint(v: Value): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'number') return goNumber(v);
  if (Array.isArray(v)) return `[${v.map(goSprint).join(' ')}]`;
  if (isObject(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goSprint(v[k])}`).join(' ')}]`;
  return String(v);
}

/** One result as kubectl's JSONPath printer writes it: maps and lists as JSON, scalars as text. */
function resultText(v: Value): string {
  if (Array.isArray(v) || isObject(v)) return goJson(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return goNumber(v);
  return String(v);
}

/** A parsed JSONPath template. */
export class JsonPath {
  private readonly nodes: Node[];

  /** @throws CliError USAGE when `template` does not parse (the message names `what`, e.g. `-o jsonpath`). */
  constructor(
    readonly template: string,
    what = 'jsonpath',
  ) {
    try {
      this.nodes = parseTemplate(template);
    } catch (error) {
      throw new CliError('USAGE', `${what} ${JSON.stringify(template)}: ${(error as Error).message}`);
    }
  }

  /** Each expression's results, in order (text and literals as one string result each). */
  results(data: Value): Value[][] {
    const out: Value[][] = [];
    const walk = (nodes: readonly Node[], current: Value) => {
      for (const node of nodes) {
        if (node.kind === 'text') out.push([node.text]);
        else if (node.kind === 'literal') out.push([node.value]);
        else if (node.kind === 'path') out.push(evalSteps(node.steps, [current], data));
        else for (const item of evalSteps(node.steps, [current], data)) walk(node.body, item);
      }
    };
    try {
      walk(this.nodes, data);
    } catch (error) {
      throw new CliError('INVALID_INPUT', `error executing jsonpath ${JSON.stringify(this.template)}: ${(error as Error).message}`);
    }
    return out;
  }

  /** The template applied to `data`, as `kubectl -o jsonpath=` prints it (no newline added). */
  print(data: Value): string {
    return this.results(data)
      .map((values) => values.map(resultText).join(' '))
      .join('');
  }
}

/**
 * kubectl's relaxed form of a path, for custom-columns and `--sort-by`: `.a.b`, `a.b`, `{.a.b}` and
 * `{a.b}` all mean `{.a.b}`.
 *
 * @throws CliError USAGE for anything else (an empty or blank path, braces inside, several expressions).
 */
export function relaxedJsonPath(expression: string, what: string): string {
  const m = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/.exec(expression);
  // kubectl takes an empty or blank path and prints <none> in every row; nobody means that.
  if (!m || (m[1] ?? m[2])!.trim() === '') throw new CliError('USAGE', `${what} ${JSON.stringify(expression)}: expected a path such as .metadata.name or {.metadata.name}`);
  return `{.${m[1] ?? m[2]}}`;
}
