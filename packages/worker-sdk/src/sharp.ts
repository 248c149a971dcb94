import type sharpDefault from 'sharp';
import { WorkerSdkError } from './errors.js';

/** The sharp function. */
export type Sharp = typeof sharpDefault;

let sharpModule: Promise<Sharp> | undefined;

/**
 * Loads sharp on first use, so a worker that never touches an image (raw tensors in, JSON hard examples
 * out) never loads libvips. A failed load is retried on the next call. Throws `RUNTIME_UNAVAILABLE`
 * naming `purpose` (what needed it) when sharp cannot be loaded.
 */
export async function loadSharp(purpose: string): Promise<Sharp> {
  sharpModule ??= import('sharp').then((m) => m.default);
  try {
    return await sharpModule;
  } catch (error) {
    sharpModule = undefined;
    throw new WorkerSdkError('RUNTIME_UNAVAILABLE', `${purpose}: sharp cannot be loaded: ${(error as Error).message}`, { cause: error });
  }
}
