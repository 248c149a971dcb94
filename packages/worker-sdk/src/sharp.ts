import type sharpDefault from 'sharp';
import { importPeer } from './optionalPeers.js';

/** The sharp function. */
export type Sharp = typeof sharpDefault;

let sharpModule: Promise<Sharp> | undefined;

/**
 * Loads sharp (an optional peer dependency) on first use, so a worker that never touches an image (raw
 * tensors in, JSON hard examples out) never loads libvips nor needs it installed. A failed load is
 * retried on the next call. Throws `RUNTIME_UNAVAILABLE` naming `purpose` (what needed it), and the
 * command that installs sharp when it is not installed.
 */
export async function loadSharp(purpose: string): Promise<Sharp> {
  sharpModule ??= importPeer<{ default: Sharp }>('sharp', purpose).then((m) => m.default);
  try {
    return await sharpModule;
  } catch (error) {
    sharpModule = undefined;
    throw error;
  }
}
