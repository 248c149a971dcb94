import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '@sedna-ts/internal';
import { stringify } from 'yaml';
import { ApiServerError } from './errors.js';

/**
 * The bearer token of the server: the one given, else the one persisted in `<dataDir>/token`, else
 * a new random one written there (mode 0600), so clients keep working across restarts.
 *
 * @throws ApiServerError `InvalidOptions` for a token with whitespace or one shorter than 16 characters.
 */
export function loadOrCreateToken(dataDir: string, given: string | undefined): string {
  const check = (t: string, from: string): string => {
    if (t.length < 16 || /\s/.test(t)) throw new ApiServerError('InvalidOptions', `${from}: the token must be at least 16 characters without whitespace`);
    return t;
  };
  if (given !== undefined) return check(given, 'options.token');
  const file = path.join(dataDir, 'token');
  let existing: string | undefined;
  try {
    existing = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new ApiServerError('StoreFailure', `${file}: ${(error as Error).message}`, { cause: error });
  }
  if (existing) return check(existing, file);
  const token = randomBytes(32).toString('base64url');
  writeFileAtomicSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** A kubeconfig (YAML) with one cluster, user and context for the server. */
export function kubeconfigYaml(server: string, token: string, caCert: string | undefined, options: { context?: string; namespace?: string } = {}): string {
  const name = options.context ?? 'sedna-embedded';
  // Plain HTTP (no CA): client-node only accepts an http:// server marked insecure-skip-tls-verify.
  const cluster = caCert ? { server, 'certificate-authority-data': Buffer.from(caCert).toString('base64') } : { server, 'insecure-skip-tls-verify': true };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name, cluster }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: options.namespace ?? 'default' } }],
    'current-context': name,
  });
}
