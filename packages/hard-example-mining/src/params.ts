import { HemError } from './errors.js';

/** A parameter value as it arrives: a string from the CRD (`ParaSpec.value`) or a number from code. */
export type HemParameterValue = string | number;

/** Filter parameters keyed by the CRD's snake_case names (`threshold_img`, `threshold_box`, ...). */
export type HemParameters = Readonly<Record<string, HemParameterValue | undefined>>;

// Python's float() syntax for finite decimal numbers (no inf/nan, no hex, no underscores).
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Read a numeric parameter the way the original casts it with `float()`. A missing or empty value gives
 * the default (as `Context.getParameters` does for an empty env value). Non-finite numbers are rejected:
 * with NaN or an infinity every comparison of the filters would silently answer the same.
 */
export function numberParam(filterName: string, params: HemParameters | undefined, key: string, fallback: number): number {
  const raw = params?.[key];
  if (raw === undefined || raw === null || raw === '') return fallback;
  let value: number;
  if (typeof raw === 'number') {
    value = raw;
  } else if (typeof raw === 'string' && DECIMAL.test(raw.trim())) {
    value = Number(raw.trim());
  } else {
    throw new HemError('INVALID_PARAMETER', `${filterName}: parameter ${key}: ${JSON.stringify(raw)} is not a number`);
  }
  if (!Number.isFinite(value)) {
    throw new HemError('INVALID_PARAMETER', `${filterName}: parameter ${key}: ${JSON.stringify(raw)} is not a finite number`);
  }
  return value;
}

/** Read an optional unsigned 32-bit integer parameter (the RandomFilter seed). */
export function seedParam(filterName: string, params: HemParameters | undefined, key: string): number | undefined {
  const raw = params?.[key];
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = typeof raw === 'number' ? raw : /^\s*\d+\s*$/.test(String(raw)) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 0 || value > 0xffffffff) {
    throw new HemError('INVALID_PARAMETER', `${filterName}: parameter ${key}: ${JSON.stringify(raw)} is not an integer in [0, 4294967295]`);
  }
  return value;
}
