/**
 * The names a client may give a file of its job: relative, `/`-separated, within the job's folder.
 * Checked as text before any file system call; the store then resolves symbolic links and refuses
 * whatever leads out of the folder.
 */
import { KnowledgeBaseError } from './errors.js';

/** Longest file name taken, in UTF-8 bytes (what most file systems allow for one name). */
export const MAX_NAME_BYTES = 255;

/**
 * Checks a relative file name (`model.json`, `round-2/samples.tar.gz`) and returns its segments.
 *
 * @throws KnowledgeBaseError `INVALID_INPUT` naming `field` and the value: empty, absolute, a NUL or
 *   backslash, a `.` or `..` segment, a hidden segment (`.x`: the service's temp files), over 255 bytes.
 */
export function checkRelativeName(field: string, name: string): string[] {
  const bad = (why: string) => new KnowledgeBaseError('INVALID_INPUT', `${field}: ${JSON.stringify(name)} ${why}`);
  if (name === '') throw bad('is empty');
  if (name.includes('\0')) throw bad('contains a NUL character');
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) throw bad(`is longer than ${MAX_NAME_BYTES} bytes`);
  if (name.includes('\\')) throw bad('contains a backslash');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw bad('is an absolute path; give a name relative to the job\'s folder');
  const segments = name.split('/');
  for (const segment of segments) {
    if (segment === '..') throw bad('contains ".." (a file outside the job\'s folder)');
    if (segment === '' || segment === '.') throw bad('has an empty or "." segment');
    if (segment.startsWith('.')) throw bad('has a hidden segment (starting with "."), which the service keeps for its temp files');
    if (/[\u0000-\u001f\u007f]/.test(segment)) throw bad('contains a control character');
  }
  return segments;
}

/**
 * A download name for Content-Disposition: the last segment, without control characters, quotes,
 * backslashes or separators; `fallback` when nothing is left. Returns the header value, with an ASCII
 * `filename` and the exact name as RFC 5987 `filename*`.
 */
export function contentDisposition(name: string, fallback: string): string {
  const base = (name.split(/[/\\]/).pop() ?? '').replace(/[\u0000-\u001f\u007f"]/g, '').trim();
  const chosen = base === '' || base === '.' || base === '..' ? fallback : base.slice(0, 255);
  const ascii = chosen.replace(/[^\x20-\x7e]/g, '_').replace(/[%;]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(chosen)}`;
}
