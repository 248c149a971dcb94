import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PrivateFilesError } from './errors.js';
import { ensurePrivateDirSync, formatMode, tightenPrivateFilesSync, type PrivateFilesLogger } from './privateFiles.js';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sedna-private-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const mode = (file: string) => fs.lstatSync(file).mode & 0o7777;

/** A file with an explicit mode (chmod after writing, so the umask plays no part). */
function file(name: string, fileMode: number, content = 'x'): string {
  const p = path.join(tmp, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  fs.chmodSync(p, fileMode);
  return p;
}

function folder(name: string, dirMode: number): string {
  const p = path.join(tmp, name);
  fs.mkdirSync(p, { recursive: true });
  fs.chmodSync(p, dirMode);
  return p;
}

function recorder(): PrivateFilesLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (_fields, message) => lines.push(message) };
}

test('ensurePrivateDirSync creates missing folders, parents included, with mode 0700 and reports nothing', () => {
  const logger = recorder();
  const dir = path.join(tmp, 'a', 'b');
  expect(ensurePrivateDirSync(dir, { logger })).toEqual([]);
  expect(mode(dir)).toBe(0o700);
  expect(mode(path.join(tmp, 'a'))).toBe(0o700);
  expect(logger.lines).toEqual([]);
});

test('ensurePrivateDirSync tightens an existing 0755 folder to 0700 and says so; a private one is left as is', () => {
  const dir = folder('data', 0o755);
  const logger = recorder();
  expect(ensurePrivateDirSync(dir, { logger })).toEqual([{ action: 'tightened', path: dir, from: 0o755, to: 0o700 }]);
  expect(mode(dir)).toBe(0o700);
  expect(logger.lines).toEqual([`tightened ${dir} from 0755 to 0700`]);
  expect(ensurePrivateDirSync(dir, { logger })).toEqual([]);
  expect(logger.lines).toHaveLength(1);
});

test('without recursive only the folder itself changes', () => {
  const dir = folder('data', 0o755);
  const inner = file('data/token', 0o644);
  ensurePrivateDirSync(dir);
  expect(mode(dir)).toBe(0o700);
  expect(mode(inner)).toBe(0o644);
});

test('recursive: folders to 0700 and files to 0600, top down, bits only taken away', () => {
  const store = folder('store', 0o755);
  const data = file('store/data.mdb', 0o644);
  const lock = file('store/lock.mdb', 0o666);
  const sub = folder('store/sub', 0o775);
  const script = file('store/sub/run.sh', 0o755);
  const readOnly = file('store/sub/read-only', 0o400);
  const setuid = file('store/sub/setuid', 0o4700);
  const logger = recorder();
  const changes = tightenPrivateFilesSync(store, { recursive: true, logger });
  expect(changes.map((c) => c.path)).toEqual([store, data, lock, sub, script, setuid]);
  expect([store, sub].map(mode)).toEqual([0o700, 0o700]);
  expect([data, lock, script, setuid].map(mode)).toEqual([0o600, 0o600, 0o600, 0o600]);
  expect(mode(readOnly)).toBe(0o400);
  expect(logger.lines).toContain(`tightened ${data} from 0644 to 0600`);
  expect(logger.lines).toContain(`tightened ${setuid} from 04700 to 0600`);
});

test('a list of paths: each file or folder itself; missing paths are no error', () => {
  const secret = file('gm-secret', 0o644);
  const lc = folder('lc', 0o755);
  const changes = tightenPrivateFilesSync([secret, path.join(tmp, 'kubeconfig'), lc]);
  expect(changes).toEqual([
    { action: 'tightened', path: secret, from: 0o644, to: 0o600 },
    { action: 'tightened', path: lc, from: 0o755, to: 0o700 },
  ]);
});

test('symbolic links are skipped with a line, never followed, in a walk or given by name', () => {
  const outside = file('outside/secret', 0o644);
  const outsideDir = folder('outside/dir', 0o755);
  const store = folder('store', 0o755);
  const toFile = path.join(store, 'link');
  const toDir = path.join(store, 'dir-link');
  fs.symlinkSync(outside, toFile);
  fs.symlinkSync(outsideDir, toDir);
  const logger = recorder();
  const changes = tightenPrivateFilesSync([store, toFile], { recursive: true, logger });
  expect(changes).toEqual([
    { action: 'tightened', path: store, from: 0o755, to: 0o700 },
    { action: 'skipped', path: toDir, reason: 'symlink', target: outsideDir },
    { action: 'skipped', path: toFile, reason: 'symlink', target: outside },
    { action: 'skipped', path: toFile, reason: 'symlink', target: outside },
  ]);
  expect(mode(outside)).toBe(0o644);
  expect(mode(outsideDir)).toBe(0o755);
  expect(logger.lines).toContain(`not tightened: ${toFile} is a symbolic link (to ${outside}); its target keeps its mode`);
});

test('a data folder that is a symbolic link is followed: the folder it leads to is the one made private', () => {
  const real = folder('real', 0o755);
  const link = path.join(tmp, 'data');
  fs.symlinkSync(real, link);
  const logger = recorder();
  expect(ensurePrivateDirSync(link, { logger })).toEqual([{ action: 'tightened', path: real, from: 0o755, to: 0o700 }]);
  expect(mode(real)).toBe(0o700);
});

// Making a file another user's takes root (CI runs as root).
(process.getuid?.() === 0 ? test : test.skip)("a folder or file of another user is refused, not tightened (its owner could replace what it holds)", () => {
  const theirs = folder('theirs', 0o777);
  fs.chownSync(theirs, 65534, 65534);
  expect(() => ensurePrivateDirSync(theirs)).toThrow(`${theirs} is owned by uid 65534, not by this user (uid ${process.getuid?.()}): another user could replace what it holds; use a folder of your own`);
  expect(mode(theirs)).toBe(0o777);
  // Through a link too.
  const link = path.join(tmp, 'via-link');
  fs.symlinkSync(theirs, link);
  expect(() => ensurePrivateDirSync(link)).toThrow(/is owned by uid 65534/);
  const ours = folder('ours', 0o700);
  const planted = path.join(ours, 'token');
  fs.writeFileSync(planted, 'attacker');
  fs.chownSync(planted, 65534, 65534);
  expect(() => tightenPrivateFilesSync(planted)).toThrow(expect.objectContaining({ code: 'NOT_OWNED' }));
});

test('a file where the folder should be: MKDIR_FAILED naming the path', () => {
  const blocker = file('data', 0o600);
  expect(() => ensurePrivateDirSync(blocker)).toThrow(PrivateFilesError);
  try {
    ensurePrivateDirSync(path.join(blocker, 'inner'));
    throw new Error('no error');
  } catch (error) {
    expect(error).toMatchObject({ code: 'MKDIR_FAILED', message: expect.stringContaining(path.join(blocker, 'inner')) });
  }
});

test('formatMode writes modes as chmod(1) does', () => {
  expect([0o600, 0o755, 0o4755, 0o40700].map(formatMode)).toEqual(['0600', '0755', '04755', '0700']);
});
