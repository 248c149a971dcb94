/**
 * What the GM and the node agent need to know about the storage initializer, without loading it (no
 * dependencies): `@sedna-ts/storage-initializer/contract`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StorageInitializerError } from './errors.js';

/** The image of the init container the GM puts in worker pods. */
export const STORAGE_INITIALIZER_IMAGE = 'sedna-ts/storage-initializer:0.1';

/** The init container's name, as the original's. */
export const STORAGE_INITIALIZER_CONTAINER_NAME = 'storage-initializer';

/** Where downloads go in the pod: an emptyDir, read-write in the init container, read-only in workers. */
export const DOWNLOADS_DIR = '/downloads';

/** The default destination prefix of an indirect (index file) download, `INDIRECT_URL_MARK`. */
export const INDIRECT_URL_MARK = '@';

/** Names of the environment variables the init container reads (the original's). */
export const ENV = {
  s3Endpoint: 'S3_ENDPOINT_URL',
  accessKeyId: 'ACCESS_KEY_ID',
  secretAccessKey: 'SECRET_ACCESS_KEY',
  indirectUrlMark: 'INDIRECT_URL_MARK',
} as const;

/** One source and where it goes. */
export interface DownloadPair {
  /** `s3://`, `obs://`, `http(s)://`, `file://` or an absolute local path. */
  source: string;
  /** The destination folder. */
  destination: string;
  /** The source is an index file whose lines name the files to fetch. */
  indirect: boolean;
}

/**
 * The init container's args for these pairs: `[src1, dst1, src2, dst2, ...]`, an indirect pair's
 * destination prefixed with the mark.
 *
 * @example
 * formatInitializerArgs([{ source: 's3://b/d/i.txt', destination: '/downloads/b/d', indirect: true }]);
 * // ['s3://b/d/i.txt', '@/downloads/b/d']
 */
export function formatInitializerArgs(pairs: readonly DownloadPair[], indirectMark: string = INDIRECT_URL_MARK): string[] {
  return pairs.flatMap((p) => [p.source, p.indirect ? `${indirectMark}${p.destination}` : p.destination]);
}

/**
 * The pairs in the init container's args, the inverse of {@link formatInitializerArgs}.
 *
 * @throws StorageInitializerError `USAGE` for no arguments, an odd count or an empty value.
 */
export function parseInitializerArgs(args: readonly string[], indirectMark: string = INDIRECT_URL_MARK): DownloadPair[] {
  const usage = (message: string) => new StorageInitializerError('USAGE', message, { step: 'arguments' });
  if (args.length === 0) throw usage('no arguments: expected SRC DST [SRC DST ...]');
  if (args.length % 2 !== 0) {
    throw usage(`${args.length} argument${args.length === 1 ? "" : "s"}: expected pairs SRC DST [SRC DST ...]; the last source ${JSON.stringify(args[args.length - 1])} has no destination`);
  }
  const pairs: DownloadPair[] = [];
  for (let i = 0; i < args.length; i += 2) {
    const source = args[i] as string;
    const raw = args[i + 1] as string;
    const indirect = raw.startsWith(indirectMark);
    const destination = indirect ? raw.slice(indirectMark.length) : raw;
    if (source === '') throw usage(`argument ${i + 1}: the source is empty`);
    if (destination === '') throw usage(`argument ${i + 2}: the destination of ${JSON.stringify(source)} is empty`);
    pairs.push({ source, destination, indirect });
  }
  return pairs;
}

/**
 * The command that runs the initializer on this machine: this Node and the package's launcher. The
 * embedded node agent maps {@link STORAGE_INITIALIZER_IMAGE} to it; the container's args follow.
 */
export function storageInitializerCommand(): [string, string] {
  // This file is dist/contract.{js,cjs} once built (src/contract.ts under tests): the launcher is in
  // the package's bin/ either way.
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [process.execPath, path.resolve(here, '..', 'bin', 'sedna-storage-initializer.js')];
}
