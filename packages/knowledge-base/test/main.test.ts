/** `sedna-kb`'s configuration from its environment, and its command line. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { CONFIG_ENV, configFromEnv, main, USAGE, VERSION, type MainIo } from '../src/index.js';
import { SECRET } from './helpers.js';

const base = { SEDNA_GM_SECRET: SECRET, KnowledgeBasePath: '/kb' };

describe('configFromEnv', () => {
  test("the original's variables: KnowledgeBaseServer (URL) and KnowledgeBasePath", () => {
    expect(configFromEnv({ ...base, KnowledgeBaseServer: 'http://0.0.0.0:9020' })).toEqual({ host: '0.0.0.0', port: 9020, dataDir: '/kb', secret: SECRET });
    expect(configFromEnv({ ...base, KnowledgeBaseServer: 'http://127.0.0.1:8000/' })).toMatchObject({ host: '127.0.0.1', port: 8000 });
    expect(configFromEnv({ ...base, KnowledgeBaseServer: 'http://[::]:9021' })).toMatchObject({ host: '::', port: 9021 });
    expect(configFromEnv(base)).toMatchObject({ host: '0.0.0.0', port: 9020 });
  });

  test('SEDNA_KB_LISTEN and SEDNA_KB_DATA_DIR win over the original names', () => {
    expect(configFromEnv({ ...base, KnowledgeBaseServer: 'http://0.0.0.0:9020', SEDNA_KB_LISTEN: '127.0.0.1:0', SEDNA_KB_DATA_DIR: '/data' })).toEqual({ host: '127.0.0.1', port: 0, dataDir: '/data', secret: SECRET });
    expect(configFromEnv({ ...base, SEDNA_KB_LISTEN: '[::1]:9020' })).toMatchObject({ host: '::1', port: 9020 });
    expect(configFromEnv({ ...base, SEDNA_KB_LISTEN: ':9030' })).toMatchObject({ host: '0.0.0.0', port: 9030 });
  });

  test.each([
    [{ KnowledgeBasePath: '/kb' }, 'SEDNA_GM_SECRET: not set'],
    [{ ...base, SEDNA_GM_SECRET: 'short' }, 'SEDNA_GM_SECRET: 5 characters'],
    [{ SEDNA_GM_SECRET: SECRET }, 'SEDNA_KB_DATA_DIR (or KnowledgeBasePath): not set'],
    [{ ...base, SEDNA_KB_LISTEN: '9020' }, 'SEDNA_KB_LISTEN: "9020" is not host:port'],
    [{ ...base, SEDNA_KB_LISTEN: 'h:99999' }, 'SEDNA_KB_LISTEN: "h:99999" has no valid port'],
    [{ ...base, KnowledgeBaseServer: 'https://0.0.0.0:9020' }, 'KnowledgeBaseServer: "https://0.0.0.0:9020" is not http://'],
    [{ ...base, KnowledgeBaseServer: 'kb:9020' }, 'KnowledgeBaseServer: "kb:9020" is not http://'],
    [{ ...base, KnowledgeBaseServer: 'http://kb:9020/knowledgebase' }, 'has a path or query'],
  ])('%j is refused: %s', (env, message) => {
    expect(() => configFromEnv(env)).toThrow(message);
  });

  test('every variable read is listed (and in --help)', () => {
    for (const v of CONFIG_ENV) expect(USAGE).toContain(v.name);
  });
});

describe('main', () => {
  const io = (env: Record<string, string>, stop: Promise<void> = Promise.resolve()) => {
    const out: string[] = [];
    const err: string[] = [];
    const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const value: MainIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env, stopSignal: () => stop, logger: silent };
    return { value, out, err };
  };

  test('--help and --version exit 0; an unknown flag exits 2 with the usage', async () => {
    const help = io({});
    expect(await main(['--help'], help.value)).toBe(0);
    expect(help.out.join('')).toBe(USAGE);
    const version = io({});
    expect(await main(['--version'], version.value)).toBe(0);
    expect(version.out.join('')).toBe(`${VERSION}\n`);
    const bad = io({});
    expect(await main(['--nope'], bad.value)).toBe(2);
    expect(bad.err.join('')).toContain('Usage: sedna-kb');
  });

  test('a bad configuration exits 1 naming the variable', async () => {
    const bad = io({ KnowledgeBasePath: '/kb' });
    expect(await main([], bad.value)).toBe(1);
    expect(bad.err.join('')).toMatch(/^sedna-kb: SEDNA_GM_SECRET: not set/);
  });

  test('it listens until asked to stop, then exits 0', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sedna-kb-main-'));
    let stop: () => void = () => undefined;
    const run = io({ SEDNA_GM_SECRET: SECRET, SEDNA_KB_LISTEN: '127.0.0.1:0', SEDNA_KB_DATA_DIR: path.join(dir, 'data') }, new Promise((r) => (stop = r)));
    const exit = main([], run.value);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (run.out.length > 0) {
          clearInterval(check);
          resolve();
        }
      }, 10);
    });
    const url = /listening on (\S+),/.exec(run.out.join(''))?.[1] as string;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    stop();
    expect(await exit).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });
});
