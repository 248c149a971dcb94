import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { parse as csvParse, type Options as CsvOptions } from 'csv-parse';
import { writeFileAtomic } from '@sedna-ts/internal';
import { ClassFactory, ClassType } from './classFactory.js';
import { BaseConfig, type SednaConfig } from './config.js';
import { type DataSource } from './estimator.js';
import { WorkerSdkError } from './errors.js';

/** What a data source holds: training, evaluation or test data. */
export type DataType = 'train' | 'eval' | 'test';

/**
 * A sample path as it reaches user code: a string when its bytes are UTF-8 (nearly always), else a
 * `Buffer` of its exact bytes, which Node's `fs` opens as such (`fs.readFile(path)`); a string would name
 * another file.
 */
export type SamplePath = string | Buffer;

/** Where a line of a txt index comes from, handed to a `processFunc`. */
export interface LineContext {
  /** The index file. */
  file: string;
  /** 1-based line number in that file. */
  lineNumber: number;
  /** The dataset root relative sample paths resolve against. */
  root: string;
  /** The line's exact bytes (its text, as the func gets it, is UTF-8 decoded, lossy for other bytes). */
  bytes: Buffer;
  /**
   * Resolve a sample path against the root; throws `DATASET_PATH_OUTSIDE_ROOT` if it leaves it. A
   * `Buffer` (e.g. the first token of `bytes`) gives the exact bytes of the resolved path.
   */
  resolve(path: string): string;
  resolve(path: Buffer): Buffer;
}

/**
 * A per-line (txt) or per-file (csv) transformation, as the original's `func`. For txt it receives the
 * stripped line and its context and returns the item (an array `[x, ...y]`, or any value with
 * `useRaw`); `null`, `undefined`, `''` or `[]` skips the line.
 */
export type ProcessFunc = (line: string, context: LineContext) => unknown;

/**
 * The original's `BaseDataSource`: parallel `x` and `y` arrays plus how they were made. Fill `x` and
 * `y` yourself, or use `TxtDataParse` / `CSVDataParse`.
 *
 * @example
 * const train = new BaseDataSource<number[], number>('train');
 * train.x.push([0.1, 0.2]); train.y.push(1);
 */
export class BaseDataSource<X = unknown, Y = unknown> implements DataSource<X, Y> {
  readonly dataType: DataType;
  x: X[] = [];
  y: Y[] = [];
  /** The transformation applied while parsing, if any (a function, or resolved from `ClassType.CALLBACK`). */
  readonly processFunc: ProcessFunc | undefined;
  /** Free-form metadata about the data (the original's `meta_attr`). */
  metaAttr: unknown = undefined;

  /**
   * @param dataType `train`, `eval` or `test` (test data gets no labels from the parsers).
   * @param func a `ProcessFunc`, or the name of a function registered under `ClassType.CALLBACK`.
   */
  constructor(dataType: DataType = 'train', func?: ProcessFunc | string) {
    if (dataType !== 'train' && dataType !== 'eval' && dataType !== 'test') {
      throw new WorkerSdkError('CONFIG_INVALID', `BaseDataSource: dataType: ${JSON.stringify(dataType)} is not train, eval or test`);
    }
    this.dataType = dataType;
    if (typeof func === 'string') {
      const found = ClassFactory.getCls(ClassType.CALLBACK, func);
      if (/^class[\s{]/.test(Function.prototype.toString.call(found))) {
        throw new WorkerSdkError('CONFIG_INVALID', `BaseDataSource: ${ClassType.CALLBACK} "${func}" is a class; register a function`);
      }
      this.processFunc = found as ProcessFunc;
    } else {
      this.processFunc = func;
    }
  }

  /** Number of examples (`x.length`). */
  numExamples(): number {
    return this.x.length;
  }

  /** Whether this is test data (no labels). */
  get isTestData(): boolean {
    return this.dataType === 'test';
  }

  /** Write `{dataType, x, y, metaAttr}` as JSON to `output` (temp file + rename, fsync). */
  async save(output: string): Promise<void> {
    await writeFileAtomic(output, JSON.stringify({ dataType: this.dataType, x: this.x, y: this.y, metaAttr: this.metaAttr }));
  }
}

/**
 * Write `data` to `path` durably: a temp file beside it, fsync, rename over, fsync the folder; creates
 * the folder (public since 0.1.0; the one implementation of all sedna-ts packages).
 */
export { writeFileAtomic } from '@sedna-ts/internal';

/** One sample line of a txt index, streamed by `TxtDataParse.records`. */
export interface TxtRecord {
  file: string;
  lineNumber: number;
  /** The line, stripped (UTF-8 decoded: lossy when the line's bytes are not UTF-8, see `bytes`). */
  line: string;
  /** The line's exact bytes, stripped. */
  bytes: Buffer;
  /** The sample path (first token), resolved against the dataset root (UTF-8 decoded, see `pathBytes`). */
  path: string;
  /** The exact bytes of the resolved sample path: what to open when the path is not UTF-8 (`fs` takes a Buffer path). */
  pathBytes: Buffer;
  /** The remaining tokens. */
  labels: string[];
}

/** A line `TxtDataParse` refused because its path leaves the dataset root. */
export interface RejectedLine {
  file: string;
  lineNumber: number;
  line: string;
  path: string;
  root: string;
}

/** Options of `TxtDataParse.parse` and `records`. */
export interface TxtParseOptions {
  /** `x` gets the whole item (all tokens, path resolved) and `y` nothing, as the original's `use_raw`. */
  useRaw?: boolean;
  /**
   * The dataset root. Default: the folder of ORIGINAL_DATASET_URL when set (the LC writes the round's
   * index elsewhere, with paths relative to the original dataset), else the index file's folder.
   */
  root?: string;
  /** Called for a line whose path leaves the root, which is then skipped. Without it, such a line throws. */
  onRejected?: (rejected: RejectedLine) => void;
  /** Config to read ORIGINAL_DATASET_URL from (default `BaseConfig`). */
  config?: SednaConfig;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/**
 * The original's `TxtDataParse` for the txt index format: one sample per line, whitespace-separated,
 * the first token the sample's path (relative to the dataset root, see `TxtParseOptions.root`), the
 * rest its labels (e.g. `images/0001.jpg 10,20,50,60,1 70,20,90,60,2`).
 *
 * Without a `processFunc`, `x` gets the resolved path and `y` the label tokens (test data: no `y`);
 * with `useRaw`, `x` gets every token (path resolved). A path that leaves the root (`../../etc/passwd`,
 * an absolute path elsewhere) is rejected. Files are streamed line by line; `records()` iterates an
 * index of any size without holding it.
 *
 * @example
 * const train = new TxtDataParse('train');
 * await train.parse(BaseConfig.trainDatasetUrl!, { useRaw: true });
 * for await (const r of new TxtDataParse('train').records('/data/index.txt')) console.log(r.path);
 */
export class TxtDataParse<X = unknown, Y = unknown> extends BaseDataSource<X, Y> {
  /** The dataset root for `file` (see `TxtParseOptions.root`). */
  static rootFor(file: string, options: Pick<TxtParseOptions, 'root' | 'config'> = {}): string {
    if (options.root !== undefined) return resolve(options.root);
    const original = (options.config ?? BaseConfig).originalDatasetUrl;
    return resolve(dirname(original ?? file));
  }

  private static async checkFile(file: string): Promise<void> {
    let info;
    try {
      info = await stat(file);
    } catch (error) {
      throw new WorkerSdkError('DATASET_INVALID', `TxtDataParse: index ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { cause: error });
    }
    if (!info.isFile()) throw new WorkerSdkError('DATASET_INVALID', `TxtDataParse: index ${file}: not a file`);
  }

  /**
   * The non-blank lines of an index, stripped, with their exact bytes. A line ends at LF (a CRLF counts
   * as an LF); every other byte is kept, a CR inside a line included (the LC puts such lines in
   * quarantine: one line is one sample, not three).
   */
  private static async *lines(file: string): AsyncGenerator<IndexLine> {
    await TxtDataParse.checkFile(file);
    const input = createReadStream(file);
    let lineNumber = 0;
    let carry = Buffer.alloc(0);
    const line = (raw: Buffer): IndexLine | undefined => {
      lineNumber++;
      const bytes = raw.length > 0 && raw[raw.length - 1] === 0x0d ? raw.subarray(0, raw.length - 1) : raw;
      if (isUtf8(bytes)) {
        const text = bytes.toString('utf8').trim();
        return text === '' ? undefined : { lineNumber, text, bytes: Buffer.from(text, 'utf8'), utf8: true };
      }
      let start = 0;
      let end = bytes.length;
      while (start < end && isBlankByte(bytes[start])) start++;
      while (end > start && isBlankByte(bytes[end - 1])) end--;
      const exact = Buffer.from(bytes.subarray(start, end));
      return { lineNumber, text: exact.toString('utf8'), bytes: exact, utf8: false };
    };
    try {
      for await (const chunk of input as AsyncIterable<Buffer>) {
        const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
        let from = 0;
        for (let lf = data.indexOf(0x0a, from); lf >= 0; lf = data.indexOf(0x0a, from)) {
          const found = line(data.subarray(from, lf));
          from = lf + 1;
          if (found) yield found;
        }
        carry = Buffer.from(data.subarray(from));
      }
      if (carry.length > 0) {
        const last = line(carry);
        if (last) yield last;
      }
    } finally {
      input.destroy();
    }
  }

  /**
   * The sample path and labels of a line. A UTF-8 line is split as text (any white space); another is
   * split at ASCII blanks with each byte kept, its path then a `Buffer` of the exact bytes.
   */
  private static tokens(line: IndexLine): { path: SamplePath; labels: string[] } {
    if (line.utf8) {
      const [path = '', ...labels] = line.text.split(/\s+/);
      return { path, labels };
    }
    const [path = '', ...labels] = line.bytes.toString('latin1').split(/[ \t\v\f\r]+/);
    return { path: Buffer.from(path, 'latin1'), labels: labels.map((l) => Buffer.from(l, 'latin1').toString('utf8')) };
  }

  private static resolver(file: string, root: string, options: TxtParseOptions) {
    // A Buffer path is resolved as latin1 text (one char per byte), so its bytes stay exact.
    const rootBytes = Buffer.from(root, 'utf8').toString('latin1');
    return <P extends SamplePath>(path: P, lineNumber: number, line: string, strict = false): P | undefined => {
      const text = typeof path === 'string' ? path : path.toString('latin1');
      const base = typeof path === 'string' ? root : rootBytes;
      const resolved = resolve(base, text);
      if (isInside(base, resolved)) return (typeof path === 'string' ? resolved : Buffer.from(resolved, 'latin1')) as P;
      const shown = typeof path === 'string' ? path : path.toString('utf8');
      const rejected: RejectedLine = { file, lineNumber, line, path: shown, root };
      if (options.onRejected && !strict) {
        options.onRejected(rejected);
        return undefined;
      }
      throw new WorkerSdkError(
        'DATASET_PATH_OUTSIDE_ROOT',
        `TxtDataParse: index ${file} line ${lineNumber}: path ${JSON.stringify(shown)} is outside the dataset root ${root}`,
      );
    };
  }

  /** Stream the sample lines of one index file, paths resolved and checked; nothing is kept. */
  async *records(file: string, options: TxtParseOptions = {}): AsyncGenerator<TxtRecord> {
    const root = TxtDataParse.rootFor(file, { config: options.config, root: options.root });
    const resolvePath = TxtDataParse.resolver(file, root, options);
    for await (const line of TxtDataParse.lines(file)) {
      const tokens = TxtDataParse.tokens(line);
      const path = resolvePath(tokens.path, line.lineNumber, line.text);
      if (path === undefined) continue;
      const pathBytes = typeof path === 'string' ? Buffer.from(path, 'utf8') : path;
      yield { file, lineNumber: line.lineNumber, line: line.text, bytes: line.bytes, path: pathBytes.toString('utf8'), pathBytes, labels: tokens.labels };
    }
  }

  /**
   * Parse index files into `x` and `y` (appending). Each item is the `processFunc`'s result for the
   * line, or the line's tokens with the path resolved (a `Buffer` when the path is not UTF-8, see
   * `SamplePath`); then `useRaw` puts the whole item in `x`, else `x` gets its first element and (unless
   * test data) `y` the rest.
   */
  async parse(files: string | readonly string[], options: TxtParseOptions = {}): Promise<this> {
    for (const file of typeof files === 'string' ? [files] : files) {
      const root = TxtDataParse.rootFor(file, { config: options.config, root: options.root });
      const resolvePath = TxtDataParse.resolver(file, root, options);
      for await (const line of TxtDataParse.lines(file)) {
        let item: unknown;
        if (this.processFunc) {
          const context = {
            file,
            lineNumber: line.lineNumber,
            root,
            bytes: line.bytes,
            // Inside a func there is no line to skip: a path outside the root always throws.
            resolve: (path: SamplePath) => resolvePath(path, line.lineNumber, line.text, true),
          } as LineContext;
          item = this.processFunc(line.text, context);
        } else {
          const tokens = TxtDataParse.tokens(line);
          const path = resolvePath(tokens.path, line.lineNumber, line.text);
          if (path === undefined) continue;
          item = [path, ...tokens.labels];
        }
        if (item === null || item === undefined || item === '' || (Array.isArray(item) && item.length === 0)) continue;
        if (options.useRaw) {
          this.x.push(item as X);
        } else if (Array.isArray(item)) {
          this.x.push(item[0] as X);
          if (!this.isTestData) this.y.push(item.slice(1) as Y);
        } else {
          this.x.push(item as X);
        }
      }
    }
    return this;
  }
}

/** A non-blank line of a txt index: its number, text (UTF-8 decoded, stripped) and exact bytes (stripped). */
interface IndexLine {
  lineNumber: number;
  text: string;
  bytes: Buffer;
  /** Whether the bytes are UTF-8 (the text is then exact). */
  utf8: boolean;
}

function isBlankByte(b: number | undefined): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0b || b === 0x0c || b === 0x0d;
}

/** A CSV row: column name to value (numbers cast unless `cast: false`). */
export type CsvRow = Record<string, unknown>;

/** A transformation of the rows of one CSV source, as the original's `func` on a DataFrame. */
export type CsvProcessFunc = (rows: CsvRow[]) => CsvRow[];

/** Options of `CSVDataParse.parse` and `rows`. */
export interface CsvParseOptions {
  /** The label column: its values go to `y` and it is removed from `x`. */
  label?: string;
  /** Keep only these columns (a list or a comma-separated string); the label is added if missing. */
  usecols?: readonly string[] | string;
  /** Field delimiter, default `,`. */
  delimiter?: string;
  /** The file has no header row: these are the column names. */
  columns?: readonly string[];
  /** Cast numbers (and ISO dates stay strings), default true, as pandas infers numeric columns. */
  cast?: boolean;
}

/**
 * The original's `CSVDataParse`: CSV files (header row, quoted fields, any delimiter, parsed by
 * csv-parse) or in-memory rows into `x` (rows without the label) and `y` (label values).
 *
 * @example
 * const data = new CSVDataParse('train');
 * await data.parse('/data/thermal.csv', { label: 'thermal_sensation' });
 */
export class CSVDataParse extends BaseDataSource<CsvRow, unknown> {
  /**
   * @param dataType `train`, `eval` or `test`.
   * @param func applied to each file's rows before the label is split off (a function, or the name of
   *   one registered under `ClassType.CALLBACK`).
   */
  constructor(dataType: DataType = 'train', func?: CsvProcessFunc | string) {
    super(dataType, func as ProcessFunc | string | undefined);
  }

  private static csvOptions(options: CsvParseOptions): CsvOptions {
    return {
      columns: options.columns ? [...options.columns] : true,
      cast: options.cast ?? true,
      delimiter: options.delimiter ?? ',',
      skip_empty_lines: true,
      trim: true,
      bom: true,
    };
  }

  private static usecols(options: CsvParseOptions): string[] | undefined {
    const raw = options.usecols;
    if (raw === undefined) return undefined;
    const cols = typeof raw === 'string' ? raw.split(',').map((c) => c.trim()).filter(Boolean) : [...raw];
    if (options.label && !cols.includes(options.label)) cols.push(options.label);
    return cols;
  }

  /** Stream the rows of one CSV file (columns filtered by `usecols`); nothing is kept. */
  async *rows(file: string, options: CsvParseOptions = {}): AsyncGenerator<CsvRow> {
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error('not a file');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
      throw new WorkerSdkError('DATASET_INVALID', `CSVDataParse: ${file}: ${reason}`, { cause: error });
    }
    const cols = CSVDataParse.usecols(options);
    const parser = createReadStream(file).pipe(csvParse(CSVDataParse.csvOptions(options)));
    try {
      for await (const record of parser as AsyncIterable<CsvRow>) {
        if (!cols) {
          yield record;
          continue;
        }
        const picked: CsvRow = {};
        for (const col of cols) {
          if (!(col in record)) {
            throw new WorkerSdkError('DATASET_INVALID', `CSVDataParse: ${file}: column ${JSON.stringify(col)} not found; columns: ${Object.keys(record).join(', ')}`);
          }
          picked[col] = record[col];
        }
        yield picked;
      }
    } catch (error) {
      if (error instanceof WorkerSdkError) throw error;
      throw new WorkerSdkError('DATASET_INVALID', `CSVDataParse: ${file}: ${(error as Error).message}`, { cause: error });
    } finally {
      parser.destroy();
    }
  }

  /**
   * Parse CSV files, or in-memory rows (`[{col: value}, ...]`), into `x` and `y` (appending). A
   * `processFunc` receives each file's rows (`(rows) => rows`) before the label is split off. A missing
   * file or label column throws `DATASET_INVALID` (the original skipped it silently).
   */
  async parse(sources: string | readonly CsvRow[] | ReadonlyArray<string | readonly CsvRow[]>, options: CsvParseOptions = {}): Promise<this> {
    const list: Array<string | readonly CsvRow[]> =
      typeof sources === 'string' ? [sources] : sources.length > 0 && sources.every((s) => typeof s === 'object' && s !== null && !Array.isArray(s)) ? [sources as readonly CsvRow[]] : [...(sources as ReadonlyArray<string | readonly CsvRow[]>)];
    const cols = CSVDataParse.usecols(options);
    for (const source of list) {
      let rows: CsvRow[] = [];
      if (typeof source === 'string') {
        for await (const row of this.rows(source, options)) rows.push(row);
      } else {
        rows = source.map((row) => (cols ? Object.fromEntries(cols.map((c) => [c, row[c]])) : { ...row }));
      }
      if (this.processFunc) rows = (this.processFunc as unknown as CsvProcessFunc)(rows);
      const name = typeof source === 'string' ? source : 'rows';
      for (const row of rows) {
        if (options.label !== undefined) {
          if (!(options.label in row)) {
            throw new WorkerSdkError('DATASET_INVALID', `CSVDataParse: ${name}: label column ${JSON.stringify(options.label)} not found; columns: ${Object.keys(row).join(', ')}`);
          }
          const { [options.label]: labelValue, ...features } = row;
          this.y.push(labelValue);
          this.x.push(features);
        } else {
          this.x.push(row);
        }
      }
    }
    return this;
  }
}
