/**
 * The configuration of `sedna-kb` from its environment: the original's `KnowledgeBaseServer` and
 * `KnowledgeBasePath`, or ours (`SEDNA_KB_LISTEN`, `SEDNA_KB_DATA_DIR`, which win), and the GM secret.
 */
import { KB_DEFAULT_PORT } from '@sedna-ts/api-types/contract';
import { KnowledgeBaseError } from './errors.js';

/** One environment variable `sedna-kb` reads. */
export interface KbEnvVariable {
  name: string;
  description: string;
}

/** Every environment variable `sedna-kb` reads. */
export const CONFIG_ENV: readonly KbEnvVariable[] = [
  { name: 'SEDNA_GM_SECRET', description: 'the GM secret: worker tokens are checked with the node tokens derived from it, >= 16 characters; required' },
  { name: 'SEDNA_KB_LISTEN', description: 'host:port to listen on ([::]:9020 for IPv6); wins over KnowledgeBaseServer' },
  { name: 'KnowledgeBaseServer', description: "the original's listen URL, http://<host>:<port> (default http://0.0.0.0:9020)" },
  { name: 'SEDNA_KB_DATA_DIR', description: 'the data folder (indexes, versions, files); wins over KnowledgeBasePath' },
  { name: 'KnowledgeBasePath', description: "the original's save folder; one of the two is required" },
  { name: 'SEDNA_LOG_LEVEL', description: 'pino level (default info); LOG_LEVEL alone is deprecated' },
  { name: 'LOG_LEVEL', description: 'deprecated: the level when SEDNA_LOG_LEVEL is not set' },
];

/** What the environment configures. */
export interface KbConfig {
  host: string;
  port: number;
  dataDir: string;
  secret: string;
}

function invalid(variable: string, value: string, why: string): KnowledgeBaseError {
  return new KnowledgeBaseError('INVALID_CONFIG', `${variable}: ${JSON.stringify(value)} ${why}`);
}

function portOf(variable: string, value: string, text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw invalid(variable, value, 'has no valid port (0 to 65535)');
  return Number(text);
}

/** host:port, `[v6]:port`, or `:port` (every address). */
function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(value.trim());
  if (!match) throw invalid('SEDNA_KB_LISTEN', value, 'is not host:port (e.g. 0.0.0.0:9020, [::]:9020)');
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port: portOf('SEDNA_KB_LISTEN', value, match[3] as string) };
}

/** http://host:port (the original's KnowledgeBaseServer). */
function parseServerUrl(value: string): { host: string; port: number } {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw invalid('KnowledgeBaseServer', value, 'is not a URL (http://0.0.0.0:9020)');
  }
  if (url.protocol !== 'http:') throw invalid('KnowledgeBaseServer', value, 'is not http://: the service speaks plain HTTP (terminate TLS in front of it)');
  if (url.pathname !== '/' || url.search !== '') throw invalid('KnowledgeBaseServer', value, 'has a path or query: give http://<host>:<port>');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return { host: host || '0.0.0.0', port: url.port === '' ? KB_DEFAULT_PORT : portOf('KnowledgeBaseServer', value, url.port) };
}

/**
 * The configuration the environment gives.
 *
 * @throws KnowledgeBaseError `INVALID_CONFIG` naming the variable and value: no or a short
 *   SEDNA_GM_SECRET, no data folder, a listen address that is not host:port or http://host:port.
 * @example
 * configFromEnv({ SEDNA_GM_SECRET: '0123456789abcdef', KnowledgeBasePath: '/kb', KnowledgeBaseServer: 'http://0.0.0.0:9020' });
 * // { host: '0.0.0.0', port: 9020, dataDir: '/kb', secret: '0123456789abcdef' }
 */
export function configFromEnv(env: Record<string, string | undefined>): KbConfig {
  const secret = env.SEDNA_GM_SECRET ?? '';
  if (secret.length < 16) {
    throw new KnowledgeBaseError('INVALID_CONFIG', `SEDNA_GM_SECRET: ${secret === '' ? 'not set' : `${secret.length} characters`}: it must be the GM's secret, at least 16 characters (worker tokens are checked with it)`);
  }
  const listen = env.SEDNA_KB_LISTEN?.trim() ? parseListen(env.SEDNA_KB_LISTEN) : env.KnowledgeBaseServer?.trim() ? parseServerUrl(env.KnowledgeBaseServer) : { host: '0.0.0.0', port: KB_DEFAULT_PORT };
  const dataDir = env.SEDNA_KB_DATA_DIR?.trim() || env.KnowledgeBasePath?.trim();
  if (!dataDir) throw new KnowledgeBaseError('INVALID_CONFIG', 'SEDNA_KB_DATA_DIR (or KnowledgeBasePath): not set: the folder the indexes and files are kept in');
  return { ...listen, dataDir, secret };
}
