// Real servers and files for the integration tests: s3rver (an S3-compatible server) on an ephemeral
// port, a proxy in front of it that fails requests on demand, a plain HTTP(S) server, archives.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import S3rver from 's3rver';
import Account from 's3rver/lib/models/account.js';
import * as tar from 'tar';
import { type Logger } from '../src/logger.js';

export const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Credentials the test server knows; what must never show up in any output. */
export const ACCESS_KEY_ID = 'AKIDSEDNATEST0001';
export const SECRET_ACCESS_KEY = 'sedna/Secret+Key=42xyz';
Account.DUMMY_ACCOUNT.createKeyPair(ACCESS_KEY_ID, SECRET_ACCESS_KEY);

/** Environment for fast retries in tests. */
export const FAST_RETRY = { SEDNA_RETRY_DELAY_MS: '1', SEDNA_RETRY_MAX_DELAY_MS: '5', SEDNA_DOWNLOAD_ATTEMPTS: '4' };

const cleanups: (() => Promise<void> | void)[] = [];
/** Runs every registered cleanup (call from afterAll). */
export async function cleanup(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()?.();
}

/** A new temporary folder, removed by {@link cleanup}. */
export function tempDir(prefix = 'sedna-si-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Files under `dir` (relative, sorted), symbolic links marked `-> target`, hidden ones included. */
export async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const relative = path.relative(dir, full);
    if (entry.isSymbolicLink()) out.push(`${relative} -> ${await fs.readlink(full)}`);
    else if (entry.isFile()) out.push(relative);
  }
  return out.sort();
}

export interface TestS3 {
  endpoint: string;
  client: S3Client;
  put(key: string, body: string | Buffer, bucket?: string): Promise<void>;
  /** Env for the initializer with the right keys and fast retries. */
  env(overrides?: Record<string, string>): Record<string, string>;
}

/** Starts s3rver on 127.0.0.1 with buckets `datasets` and `models`; closed by {@link cleanup}. */
export async function startS3(): Promise<TestS3> {
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: tempDir('sedna-s3rver-'),
    configureBuckets: [{ name: 'datasets' }, { name: 'models' }],
  });
  const { port } = (await server.run()) as AddressInfo;
  cleanups.push(() => server.close());
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
  });
  cleanups.push(() => client.destroy());
  return {
    endpoint,
    client,
    async put(key, body, bucket = 'datasets') {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    env: (overrides = {}) => ({
      S3_ENDPOINT_URL: endpoint,
      ACCESS_KEY_ID,
      SECRET_ACCESS_KEY,
      ...FAST_RETRY,
      ...overrides,
    }),
  };
}

/** What the proxy does with the n-th request (from 1) that matches. */
export type ProxyAction = 'pass' | 'reset' | 'truncate' | { status: number; body?: string; headers?: Record<string, string> };

/**
 * An HTTP proxy to `target` that asks `decide` what to do with each request: pass it on, reset the
 * connection before answering, cut the body in half, or answer with a status of its own.
 */
export async function startProxy(target: string, decide: (request: http.IncomingMessage) => ProxyAction): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const to = new URL(target);
  const server = http.createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const action = decide(request);
    if (action === 'reset') {
      request.socket.destroy();
      return;
    }
    if (typeof action === 'object') {
      response.writeHead(action.status, { 'content-type': 'application/xml', ...action.headers });
      response.end(action.body ?? '');
      return;
    }
    const upstream = http.request(
      { host: to.hostname, port: to.port, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        if (action === 'truncate') {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('end', () => {
            const body = Buffer.concat(chunks);
            response.write(body.subarray(0, Math.floor(body.length / 2)));
            // Let the half body leave before the connection goes.
            setImmediate(() => response.socket?.destroy());
          });
        } else {
          answer.pipe(response);
        }
      },
    );
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

/** A plain HTTP (or, with `tls`, HTTPS) server whose handler is the test's; closed by {@link cleanup} at the latest. */
export async function startHttp(handler: http.RequestListener, tls?: { key: Buffer; cert: Buffer }): Promise<{ url: string; close(): Promise<void> }> {
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  cleanups.push(() => (server.listening ? close() : undefined));
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}

/** A .tar.gz (or plain .tar with gzip false) of `files` (relative name to content), as a buffer. */
export async function makeTar(files: Record<string, string>, gzip = true): Promise<Buffer> {
  const dir = tempDir('sedna-tar-src-');
  for (const [name, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), content);
  }
  const out = path.join(tempDir('sedna-tar-'), 'a.tar');
  await tar.c({ gzip, file: out, cwd: dir, portable: true }, Object.keys(files).map((f) => f.split('/')[0] as string).filter((v, i, a) => a.indexOf(v) === i));
  return fs.readFile(out);
}

/** One zip entry: a file, a folder (`dir`), or a Unix symbolic link. */
export interface ZipEntry {
  name: string;
  data?: string;
  symlinkTo?: string;
  dir?: boolean;
  mode?: number;
}

/**
 * A zip archive (stored, no compression) with exactly these entries: made by hand so tests can also
 * build the malicious ones (`../x`, links out) that zip tools refuse to make.
 */
export function makeZip(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const data = Buffer.from(entry.symlinkTo ?? entry.data ?? '', 'utf8');
    const crc = zlib.crc32(data);
    const type = entry.symlinkTo !== undefined ? 0o120000 : entry.dir ? 0o040000 : 0o100000;
    const mode = type | (entry.mode ?? (entry.dir ? 0o755 : 0o644));
    // Both headers carry: version needed 20, flags (UTF-8 names), method 0 (stored), time, date,
    // CRC-32, both sizes and the name length, at their own offsets.
    const common = (header: Buffer, at: number) => {
      header.writeUInt16LE(20, at);
      header.writeUInt16LE(0x0800, at + 2);
      header.writeUInt32LE(crc, at + 10);
      header.writeUInt32LE(data.length, at + 14);
      header.writeUInt32LE(data.length, at + 18);
      header.writeUInt16LE(name.length, at + 22);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    common(local, 4);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    common(central, 6);
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A logger that keeps its lines. */
export function memoryLogger(): Logger & { lines: string[]; text(): string } {
  const lines: string[] = [];
  const at = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { lines, text: () => lines.join('\n'), debug: at('DEBUG'), info: at('INFO'), warn: at('WARN'), error: at('ERROR') };
}

/** Runs the command as npm links it (the committed launcher), with exactly `env` (plus PATH). */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(packageDir, 'bin/sedna-storage-initializer.js'), ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One tar entry, written as given (no sanitising): for archives tar tools would not make. */
export interface ForgedTarEntry {
  path: string;
  type: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'FIFO';
  linkpath?: string;
  data?: string;
}

/** A plain tar of exactly these entries, headers made with node-tar's own Header. */
export function forgeTar(entries: readonly ForgedTarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const data = Buffer.from(entry.data ?? '');
    const header = new tar.Header({
      path: entry.path,
      type: entry.type,
      ...(entry.linkpath === undefined ? {} : { linkpath: entry.linkpath }),
      size: data.length,
      mode: entry.type === 'Directory' ? 0o755 : 0o644,
      mtime: new Date(0),
      uid: 0,
      gid: 0,
    });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    blocks.push(block, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
