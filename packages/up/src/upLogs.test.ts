import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { createUpLogs } from './upLogs.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedna-uplogs-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("no token reaches a part's log file or the short lines on stdout", async () => {
  const out: string[] = [];
  const io = { stdout: { write: (t: string | Uint8Array) => out.push(String(t)) }, stderr: { write: () => true }, readStdin: async () => '', cwd: dir, env: {} };
  const logs = createUpLogs(dir, io, 'info');
  const worker = 'sw1.eyJucyI6ImRlZmF1bHQifQ.Abc_def-123';
  const node = '9d'.repeat(32);
  logs.logger('gm').warn({ job: 'default/helmet', error: `exited: x_${worker}` }, `node token ${node}`);
  // The file is written asynchronously: read it until the record is there (10 s at most).
  const deadline = Date.now() + 10_000;
  let file = '';
  while (!file.includes('node token') && Date.now() < deadline) {
    logs.flush();
    await new Promise((resolve) => setTimeout(resolve, 20));
    file = fs.readFileSync(path.join(logs.dir, 'gm.log'), 'utf8');
  }
  for (const text of [file, out.join('')]) {
    expect(text).toContain('x_sw1.<redacted>');
    expect(text).toContain('node token <redacted>');
    expect(text).not.toContain('eyJucyI6');
    expect(text).not.toContain(node);
  }
});
