/**
 * A KB process (the `sedna-kb` executable) killed with SIGKILL in the middle of a stream of updates
 * and uploads leaves an index that parses, that a restarted service serves, and no temp files after
 * the restart; a clean stop (SIGTERM) exits 0; a restarted service serves every job's index and files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { parseKbIndex } from '@sedna-ts/api-types/contract';
import { KnowledgeBaseError, startKnowledgeBase } from '../src/index.js';
import { api, sampleIndex, SECRET, tokenFor } from './helpers.js';

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'sedna-kb.js');
let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'sedna-kb-durable-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Starts `sedna-kb` on `dataDir` and resolves with the process and its URL (from its first stdout line). */
function startChild(dataDir: string): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN], {
    env: { ...process.env, SEDNA_GM_SECRET: SECRET, SEDNA_KB_LISTEN: '127.0.0.1:0', SEDNA_KB_DATA_DIR: dataDir, SEDNA_LOG_LEVEL: 'warn', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sedna-kb did not say it listens within 15 s: ${err}`));
    }, 15_000);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /listening on (http:\/\/\S+),/.exec(out)?.[1];
      if (url) {
        clearTimeout(deadline);
        resolve({ child, url, exited });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`sedna-kb exited with ${code} before it listened: ${err}`));
    });
  });
}

test('SIGKILL in the middle of a stream of updates leaves a parseable index that a restarted service serves', async () => {
  const dataDir = path.join(root, 'killed');
  const { child, url, exited } = await startChild(dataDir);
  const token = tokenFor('stream');
  const kb = api(url);
  const acknowledged: string[] = [];
  const sentTimes: string[] = [];
  let sent = 0;
  let killed = false;
  // Four writers, each sending updates (large enough that writes take a while) and uploads back to
  // back; the process is killed when the 25th update is acknowledged, with the others in flight.
  const writer = async (w: number): Promise<void> => {
    while (!killed) {
      const n = sent++;
      const createTime = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
      sentTimes.push(createTime);
      try {
        const r = await kb.postJson('/update', sampleIndex('stream', { createTime, round: n, padding: 128 * 1024 }), token);
        // 409: a later update of another writer got in first; an older version never becomes current.
        if (r.status !== 200 && r.status !== 409) throw new Error(`update ${n}: ${r.status} ${r.text}`);
        if (r.status === 200) acknowledged.push(createTime);
        await kb.postForm('/file/upload', 'file', Buffer.alloc(64 * 1024, w), token, { filename: `w${w}.bin` });
      } catch (error) {
        if (killed) return;
        throw error;
      }
      if (acknowledged.length >= 25 && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    }
  };
  await Promise.all([0, 1, 2, 3].map(writer));
  expect(await exited).toBe(null);

  const index = JSON.parse(readFileSync(path.join(dataDir, 'jobs', 'default', 'stream', 'index.json'), 'utf8'));
  expect(parseKbIndex(index).ok).toBe(true);
  // The last version written whole: acknowledged, or written just before the kill cut its reply.
  expect(sentTimes).toContain(index.create_time);
  expect(acknowledged.length).toBeGreaterThanOrEqual(25);
  // No rollback: the current index is at least as new as every version acknowledged.
  for (const time of acknowledged) expect(time <= index.create_time).toBe(true);
  for (const file of readdirSync(path.join(dataDir, 'jobs', 'default', 'stream', 'history'))) {
    if (file.endsWith('.json')) expect(parseKbIndex(JSON.parse(readFileSync(path.join(dataDir, 'jobs', 'default', 'stream', 'history', file), 'utf8'))).ok).toBe(true);
  }

  // The restart takes over the dead process's lock, sweeps the temp files and serves the same index.
  const restarted = await startKnowledgeBase({ dataDir, secret: SECRET, host: '127.0.0.1', port: 0 });
  try {
    const served = await api(restarted.url).get('/index', token);
    expect(served.status).toBe(200);
    expect(served.body).toEqual(index);
    const leftovers = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? leftovers(path.join(dir, e.name)) : e.name.endsWith('.tmp') ? [e.name] : []));
    expect(leftovers(dataDir)).toEqual([]);
    for (const w of [0, 1, 2, 3]) {
      const file = await api(restarted.url).get(`/file/download?files=files/w${w}.bin`, token);
      if (file.status === 200) expect(Buffer.from(file.text, 'latin1').length).toBe(64 * 1024);
    }
  } finally {
    await restarted.close();
  }
});

test('SIGTERM closes sedna-kb cleanly (exit 0); a restarted service serves every job as before', async () => {
  const dataDir = path.join(root, 'restart');
  const first = await startChild(dataDir);
  const jobs = ['one', 'two'];
  for (const job of jobs) {
    expect((await api(first.url).postJson('/update', sampleIndex(job), tokenFor(job))).status).toBe(200);
    expect((await api(first.url).postForm('/file/upload', 'file', `artifact of ${job}`, tokenFor(job), { filename: 'a.txt' })).status).toBe(200);
  }
  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);
  const second = await startChild(dataDir);
  try {
    for (const job of jobs) {
      expect((await api(second.url).get('/index', tokenFor(job))).body).toEqual(sampleIndex(job));
      expect((await api(second.url).get('/file/download?files=files/a.txt', tokenFor(job))).text).toBe(`artifact of ${job}`);
    }
  } finally {
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }
});

test('a second service on the same data folder is refused while the first runs', async () => {
  const dataDir = path.join(root, 'locked');
  const first = await startKnowledgeBase({ dataDir, secret: SECRET, host: '127.0.0.1', port: 0 });
  try {
    await expect(startKnowledgeBase({ dataDir, secret: SECRET, host: '127.0.0.1', port: 0 })).rejects.toThrow(/already served by this process/);
  } finally {
    await first.close();
  }
});

(process.getuid?.() === 0 ? test : test.skip)("a data folder owned by another user is refused, naming it (as root: chowned to another uid)", async () => {
  const dataDir = path.join(root, 'theirs');
  mkdirSync(dataDir, { mode: 0o700 });
  chownSync(dataDir, 4242, 4242);
  const started = startKnowledgeBase({ dataDir, secret: SECRET, host: '127.0.0.1', port: 0 });
  await expect(started).rejects.toThrow(KnowledgeBaseError);
  await expect(started).rejects.toThrow(/owned by uid 4242/);
});

test('a short secret or a bad port is refused before anything starts', async () => {
  await expect(startKnowledgeBase({ dataDir: path.join(root, 'x'), secret: 'short' })).rejects.toThrow(/secret: must be the GM secret/);
  await expect(startKnowledgeBase({ dataDir: path.join(root, 'x'), secret: SECRET, port: 70000 })).rejects.toThrow(/port: 70000/);
});
