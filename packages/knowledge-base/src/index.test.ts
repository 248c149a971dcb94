import { readFileSync } from 'node:fs';
import * as api from './index.js';
import { checkRelativeName, contentDisposition } from './safeName.js';
import { versionFileName } from './store.js';

test('the public runtime surface is exactly this list', () => {
  expect(Object.keys(api).sort()).toEqual(
    [
      'CONFIG_ENV',
      'FILES_DIR',
      'HISTORY_DIR',
      'JOBS_DIR',
      'KB_JOB_KIND',
      'KnowledgeBaseError',
      'PICKLE_REFUSED',
      'USAGE',
      'VERSION',
      'authenticate',
      'configFromEnv',
      'downloadPath',
      'main',
      'startKnowledgeBase',
      'toKnowledgeBaseError',
      'versionFileName',
    ].sort(),
  );
});

test('VERSION is the package.json version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  expect(api.VERSION).toBe(pkg.version);
});

test('every runtime import of src is a dependency in package.json (or a bundled private package)', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
  const imported = new Set<string>();
  for (const file of ['auth.ts', 'body.ts', 'config.ts', 'main.ts', 'server.ts', 'store.ts']) {
    const text = readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
    for (const m of text.matchAll(/^import (?!type )[^'"]*['"]([^'".][^'"]*)['"]/gm)) {
      const spec = m[1] as string;
      if (spec.startsWith('node:')) continue;
      imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
    }
  }
  imported.delete('@sedna-ts/internal');
  expect([...imported].sort()).toEqual(Object.keys(pkg.dependencies).filter((d) => d !== 'pino').sort());
});

test('file names: relative names in the job folder only', () => {
  expect(checkRelativeName('f', 'a/b.json')).toEqual(['a', 'b.json']);
  for (const [name, why] of [
    ['', 'is empty'],
    ['a\0b', 'NUL'],
    ['a\\b', 'backslash'],
    ['C:x', 'absolute'],
    ['a//b', 'empty or "."'],
    ['./a', 'empty or "."'],
    ['a/\u0007', 'control character'],
    ['é'.repeat(128), 'longer than 255 bytes'],
  ] as const) {
    expect(() => checkRelativeName('f', name)).toThrow(why);
  }
});

test('Content-Disposition: the last segment, without quotes or control characters, the exact name as filename*', () => {
  expect(contentDisposition('../../etc/passwd', 'x')).toBe(`attachment; filename="passwd"; filename*=UTF-8''passwd`);
  expect(contentDisposition('', 'index.json')).toBe(`attachment; filename="index.json"; filename*=UTF-8''index.json`);
  expect(contentDisposition('modèle;1.bin', 'x')).toBe(`attachment; filename="mod_le_1.bin"; filename*=UTF-8''mod%C3%A8le%3B1.bin`);
});

test('a create_time as a file name', () => {
  expect(versionFileName('2026-01-01T10:00:00.000Z')).toBe('2026-01-01T10-00-00.000Z');
  expect(versionFileName('../x')).toBe('-x');
  expect(versionFileName('...')).toBe('unnamed');
});
