import { type EnvSource } from './config.js';
import { WorkerSdkError } from './errors.js';

/** Parameters of an algorithm chosen in the CRD, as `getAlgorithmFromApi` returns them. */
export type AlgorithmParameters = Record<string, string | number>;

/** An algorithm chosen in the CRD (e.g. `hardExampleMining`): its registered name and parameters. */
export interface AlgorithmSpec {
  /** The name it is registered under in ClassFactory (e.g. `IBT`). */
  method: string;
  /** Parameters by the CRD's keys; values as the CRD gives them (strings) unless the caller overrode them. */
  param: AlgorithmParameters;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE = new Set(['true', '1', 'yes', 'y', 'on']);
const FALSE = new Set(['false', '0', 'no', 'n', 'off']);

/**
 * Sedna's `Context`: the job's parameters as the worker sees them, i.e. its environment (the CRD's
 * template env). `getParameters` keeps the original semantics: the exact name first, then its upper
 * case; a missing or empty value gives the default; the value is a string. The typed getters parse it
 * and throw a `WorkerSdkError` (`PARAMETER_INVALID`) naming the variable and its value.
 *
 * `Context` is the process-wide instance over `process.env` (read at each call); `new SednaContext(env)`
 * reads another environment.
 *
 * @example
 * import { Context } from '@sedna-ts/worker-sdk';
 * const epochs = Context.getInt('epochs', 1);          // env epochs or EPOCHS
 * const classes = Context.getList('class_names', []);  // "person,helmet" -> ['person', 'helmet']
 */
export class SednaContext {
  private readonly envSource: () => EnvSource;

  constructor(env?: EnvSource | (() => EnvSource)) {
    this.envSource = typeof env === 'function' ? env : env ? () => env : () => process.env;
  }

  /** The variable actually read for `name` (exact, then upper case) and its value, or undefined. */
  private lookup(name: string): { variable: string; value: string } | undefined {
    const env = this.envSource();
    const exact = env[name];
    if (exact !== undefined && exact !== '') return { variable: name, value: exact };
    const upper = name.toUpperCase();
    const value = env[upper];
    if (value !== undefined && value !== '') return { variable: upper, value };
    return undefined;
  }

  private invalid(variable: string, value: string, what: string, cause?: unknown): WorkerSdkError {
    return new WorkerSdkError('PARAMETER_INVALID', `Context: env ${variable}: ${JSON.stringify(value)} is not ${what}`, { cause });
  }

  /** The parameter as a string (exact name, then upper case), or `fallback` when missing or empty. */
  getParameters(name: string): string | undefined;
  getParameters<D>(name: string, fallback: D): string | D;
  getParameters<D>(name: string, fallback?: D): string | D | undefined {
    return this.lookup(name)?.value ?? fallback;
  }

  /** The parameter as an integer (`"12"`, `"-3"`), or `fallback`. */
  getInt(name: string): number | undefined;
  getInt(name: string, fallback: number): number;
  getInt(name: string, fallback?: number): number | undefined {
    const found = this.lookup(name);
    if (!found) return fallback;
    const text = found.value.trim();
    const value = Number(text);
    if (!INTEGER.test(text) || !Number.isSafeInteger(value)) throw this.invalid(found.variable, found.value, 'an integer');
    return value;
  }

  /** The parameter as a finite decimal number (`"0.5"`, `"1e-3"`), or `fallback`. */
  getFloat(name: string): number | undefined;
  getFloat(name: string, fallback: number): number;
  getFloat(name: string, fallback?: number): number | undefined {
    const found = this.lookup(name);
    if (!found) return fallback;
    const text = found.value.trim();
    if (!DECIMAL.test(text)) throw this.invalid(found.variable, found.value, 'a number');
    return Number(text);
  }

  /** The parameter as a boolean (`true/false`, `1/0`, `yes/no`, `on/off`, any case), or `fallback`. */
  getBool(name: string): boolean | undefined;
  getBool(name: string, fallback: boolean): boolean;
  getBool(name: string, fallback?: boolean): boolean | undefined {
    const found = this.lookup(name);
    if (!found) return fallback;
    const text = found.value.trim().toLowerCase();
    if (TRUE.has(text)) return true;
    if (FALSE.has(text)) return false;
    throw this.invalid(found.variable, found.value, 'a boolean (true/false, 1/0, yes/no, on/off)');
  }

  /** The parameter split on commas, items trimmed, empty items dropped (`"a, b,"` -> `['a', 'b']`), or `fallback`. */
  getList(name: string): string[] | undefined;
  getList(name: string, fallback: string[]): string[];
  getList(name: string, fallback?: string[]): string[] | undefined {
    const found = this.lookup(name);
    if (!found) return fallback;
    return found.value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  /** The parameter parsed as JSON, or `fallback`. The type parameter is not checked at run time. */
  getJSON<T = unknown>(name: string): T | undefined;
  getJSON<T = unknown>(name: string, fallback: T): T;
  getJSON<T = unknown>(name: string, fallback?: T): T | undefined {
    const found = this.lookup(name);
    if (!found) return fallback;
    try {
      return JSON.parse(found.value) as T;
    } catch (error) {
      throw this.invalid(found.variable, found.value, `JSON (${(error as Error).message})`, error);
    }
  }

  /**
   * The algorithm the CRD chose for `algorithm` (e.g. `HEM`): reads `<ALGORITHM>_NAME` and
   * `<ALGORITHM>_PARAMETERS` (the CRD's ParaSpec list as JSON, `[{"key": "threshold_img", "value":
   * "0.9"}]`; a JSON object is accepted too). Returns `undefined` when no name is set (the original
   * returns `{}`). `params` are merged over the CRD's values: the caller wins. Malformed parameters
   * throw `PARAMETER_INVALID` (the original logged and used none).
   */
  getAlgorithmFromApi(algorithm: string, params: AlgorithmParameters = {}): AlgorithmSpec | undefined {
    const prefix = algorithm.toUpperCase();
    const method = this.getParameters(`${prefix}_NAME`);
    if (!method) return undefined;
    const found = this.lookup(`${prefix}_PARAMETERS`);
    const fromCrd: AlgorithmParameters = {};
    if (found) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(found.value);
      } catch (error) {
        throw this.invalid(found.variable, found.value, `JSON (${(error as Error).message})`, error);
      }
      if (Array.isArray(parsed)) {
        for (const item of parsed) {
          if (item === null || typeof item !== 'object' || !('key' in item)) continue;
          const { key, value } = item as { key: unknown; value?: unknown };
          fromCrd[String(key)] = scalar(value ?? '');
        }
      } else if (parsed !== null && typeof parsed === 'object') {
        for (const [key, value] of Object.entries(parsed)) fromCrd[key] = scalar(value);
      } else {
        throw this.invalid(found.variable, found.value, 'a JSON list of {key, value} or a JSON object');
      }
    }
    return { method, param: { ...fromCrd, ...params } };
  }
}

function scalar(value: unknown): string | number {
  if (typeof value === 'string' || typeof value === 'number') return value;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The process-wide context over `process.env` (the original's `Context`). */
export const Context = new SednaContext();
