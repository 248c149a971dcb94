import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLocalController } from './main.js';

describe('runLocalController', () => {
  let dir: string;
  let out: string[];
  let err: string[];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-main-'));
    out = [];
    err = [];
    jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
    jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void err.push(args.join(' ')));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  test('--help lists the environment variables', async () => {
    expect(await runLocalController(['--help'], {})).toBe(0);
    expect(out.join('\n')).toContain('GM_ADDRESS');
    expect(out.join('\n')).toContain('SEDNA_NODE_TOKEN');
  });

  test('a bad environment exits 1 naming the variable', async () => {
    expect(await runLocalController([], { NODENAME: 'edge-1', SEDNA_NODE_TOKEN: 't' })).toBe(1);
    expect(err).toEqual(['sedna-lc: LC env GM_ADDRESS (gmUrl): is not set (host:port of the GM)']);
  });

  test('a data dir held by a live LC is refused', async () => {
    const env = { GM_ADDRESS: '127.0.0.1:1', NODENAME: 'edge-1', SEDNA_NODE_TOKEN: 't', SEDNA_LC_DATA_DIR: dir, BIND_PORT: '0', LOG_LEVEL: 'silent' };
    const { writeFile } = await import('node:fs/promises');
    // pid 1 is alive and not this process.
    await writeFile(join(dir, 'lc.lock'), '1');
    expect(await runLocalController([], env)).toBe(1);
    expect(err[0]).toBe(`sedna-lc: LC config: dataDir: ${JSON.stringify(dir)} is in use by another LC (pid 1)`);
  });
});
