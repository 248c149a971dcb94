/** Keeping every file the initializer writes inside its destination. */
import path from 'node:path';

/**
 * `name` (`/`-separated, as in S3 keys, archives and index files) as a relative path that stays inside
 * any folder it is joined to, or undefined when it cannot: absolute, or `..` reaching above the root.
 * Empty segments and `.` are dropped, so `a//b/./c` gives `a/b/c`; `''` (the root itself) gives `''`.
 */
export function safeRelativePath(name: string): string | undefined {
  if (name.startsWith('/')) return undefined;
  const parts: string[] = [];
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else {
      parts.push(segment);
    }
  }
  return parts.join('/');
}

/** Whether `target` is `root` or lies under it (both resolved lexically, no file system access). */
export function isInside(root: string, target: string): boolean {
  const relative = path.relative(path.resolve(root), path.resolve(target));
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}
