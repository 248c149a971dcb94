// The data dir holds Secrets (in the store), the bearer token and the keys: only the server's user may
// read them, whatever mode an earlier release or the user gave them.
import { chmodSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { removeDir, startTestServer, tempDir, type TestServer } from '../support/apiserver.js';

const mode = (file: string) => statSync(file).mode & 0o777;

/** Every folder and file of the private entries, with its mode. */
function modes(dir: string): Record<string, number> {
  const out: Record<string, number> = { '.': mode(dir) };
  for (const name of ['token', 'sa.key']) out[name] = mode(path.join(dir, name));
  for (const folder of ['store', 'tls']) {
    out[folder] = mode(path.join(dir, folder));
    for (const name of readdirSync(path.join(dir, folder))) out[`${folder}/${name}`] = mode(path.join(dir, folder, name));
  }
  return out;
}

test('the data dir is 0700 and the store, token and keys 0600 from the first start; looser ones are tightened at the next, each with a warning', async () => {
  const dir = tempDir();
  let t: TestServer | undefined;
  try {
    t = await startTestServer({}, dir);
    const fresh = modes(dir);
    expect(Object.keys(fresh).sort()).toEqual(['.', 'sa.key', 'store', 'store/data.mdb', 'store/lock.mdb', 'tls', 'tls/ca.crt', 'tls/ca.key', 'tls/server.crt', 'tls/server.key', 'token']);
    for (const [name, m] of Object.entries(fresh)) expect([name, m]).toEqual([name, ['.', 'store', 'tls'].includes(name) ? 0o700 : 0o600]);
    expect(t.logger.entries.filter((e) => e.message.includes('tightened'))).toEqual([]);
    // A secret stored, so that there is something to read in data.mdb.
    await t.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 's' }, stringData: { password: 'hunter2' } } });
    await t.close();

    // As a release before this one left them (or a user's chmod).
    for (const name of Object.keys(fresh)) chmodSync(path.join(dir, name), ['.', 'store', 'tls'].includes(name) ? 0o755 : 0o644);
    t = await startTestServer({}, dir);
    expect(modes(dir)).toEqual(fresh);
    const warned = t.logger.entries.filter((e) => e.level === 'warn').map((e) => e.message);
    expect(warned).toContain(`tightened ${dir} from 0755 to 0700`);
    expect(warned).toContain(`tightened ${path.join(dir, 'store', 'data.mdb')} from 0644 to 0600`);
    expect(warned).toContain(`tightened ${path.join(dir, 'tls', 'server.key')} from 0644 to 0600`);
    expect(warned.filter((m) => m.startsWith('tightened '))).toHaveLength(Object.keys(fresh).length);
    expect((await t.core.readNamespacedSecret({ name: 's', namespace: 'default' })).data).toEqual({ password: Buffer.from('hunter2').toString('base64') });
  } finally {
    await t?.close();
    removeDir(dir);
  }
});
