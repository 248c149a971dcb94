/** What a source argument names: an S3 object or prefix, an HTTP resource or a local path. */
import path from 'node:path';
import { StorageInitializerError } from './errors.js';

/** A parsed source. `text` is how messages name it (an HTTP URL's password masked). */
export type SourceUri =
  /** `s3://bucket/key` (also `obs://`); the key is taken literally, without percent-decoding, as S3 does. */
  | { kind: 's3'; bucket: string; key: string; text: string }
  | { kind: 'http'; url: URL; text: string }
  | { kind: 'local'; path: string; text: string };

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * Parses a source argument: `s3://bucket/key`, `obs://bucket/key` (read as S3), `http(s)://...`,
 * `file:///path` or an absolute path.
 *
 * @throws StorageInitializerError `UNSUPPORTED_URL` naming the value.
 * @example
 * parseSourceUri('obs://models/helmet/model.pb'); // { kind: 's3', bucket: 'models', key: 'helmet/model.pb', ... }
 */
export function parseSourceUri(value: string): SourceUri {
  const unsupported = (why: string) =>
    new StorageInitializerError('UNSUPPORTED_URL', `${JSON.stringify(value)}: ${why}`, { url: value, step: 'arguments' });
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (path.isAbsolute(value)) return { kind: 'local', path: path.normalize(value), text: value };
    throw unsupported('is neither a URL (s3://, obs://, http://, https://, file://) nor an absolute path');
  }
  if (scheme === 's3' || scheme === 'obs') {
    const rest = value.slice(scheme.length + 3);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const key = slash < 0 ? '' : rest.slice(slash + 1);
    if (bucket === '') throw unsupported('has no bucket name');
    return { kind: 's3', bucket, key, text: `s3://${bucket}/${key}` };
  }
  if (scheme === 'http' || scheme === 'https') {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw unsupported('is not a valid URL');
    }
    if (!url.hostname) throw unsupported('has no host');
    return { kind: 'http', url, text: value };
  }
  if (scheme === 'file') {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw unsupported('is not a valid URL');
    }
    if (url.hostname !== '' && url.hostname !== 'localhost') throw unsupported(`names host ${JSON.stringify(url.hostname)}: file URLs must be local`);
    return { kind: 'local', path: path.normalize(safeDecode(url.pathname)), text: value };
  }
  throw unsupported(`scheme ${scheme}:// is not supported (s3://, obs://, http://, https://, file:// or an absolute path)`);
}

/**
 * The source `relative` names under `base` (an index file's first line): joined the way the original
 * does, `base` without trailing slashes + `/` + `relative`.
 */
export function joinSource(base: string, relative: string): string {
  return `${base.replace(/\/+$/, '')}/${relative.replace(/^\/+/, '')}`;
}

/** The last path segment of a source: the file name an HTTP or local download is saved as. */
export function sourceBaseName(source: SourceUri): string {
  switch (source.kind) {
    case 's3':
      return path.posix.basename(source.key);
    case 'http':
      // `/models/` names a folder listing, not a file.
      return source.url.pathname.endsWith('/') ? '' : safeDecode(path.posix.basename(source.url.pathname));
    case 'local':
      return path.basename(source.path);
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
