import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '@sedna-ts/internal';
import { ApiServerError } from './errors.js';

// A minimal DER writer: just what an X.509 v3 certificate with ECDSA P-256 keys needs. Node can
// make keys and signatures but not certificates; the libraries that can either patch globals
// (a Reflect polyfill) or bring a whole second crypto stack, so the ~100 lines live here and the
// tests check the result with Node's own X509Certificate parser, client-node and kubectl.

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, content]);
}

const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const bits = (b: Buffer, unused = 0): Buffer => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 | n, content);

function integer(b: Buffer): Buffer {
  let v = b;
  while (v.length > 1 && v[0] === 0 && ((v[1] as number) & 0x80) === 0) v = v.subarray(1);
  return tlv(0x02, ((v[0] as number) & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * (parts[0] as number) + (parts[1] as number)];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [];
    let v = p;
    do {
      chunk.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i] = (chunk[i] as number) | 0x80;
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  // RFC 5280: UTCTime up to 2049, GeneralizedTime from 2050.
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const name = (cn: string): Buffer => seq(set(seq(oid('2.5.4.3'), utf8(cn))));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const extension = (id: string, critical: boolean, value: Buffer): Buffer => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.concat(groups.map((g) => Buffer.from([parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff])));
}

interface CertSpec {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  signer: KeyObject;
  ca: boolean;
  days: number;
  hosts?: string[];
}

function certificate(spec: CertSpec): string {
  const spki = spec.publicKey.export({ type: 'spki', format: 'der' });
  const now = Date.now();
  const keyId = createHash('sha1').update(spki).digest();
  const extensions = [
    extension('2.5.29.19', true, seq(...(spec.ca ? [bool(true)] : []))),
    // keyUsage: digitalSignature (bit 0), keyCertSign (bit 5) for the CA.
    extension('2.5.29.15', true, spec.ca ? bits(Buffer.from([0x84]), 2) : bits(Buffer.from([0x80]), 7)),
    extension('2.5.29.14', false, octets(keyId)),
  ];
  if (!spec.ca) {
    extensions.push(extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))));
    const names = (spec.hosts ?? []).map((h) => (isIP(h) ? tlv(0x87, ipBytes(h)) : tlv(0x82, Buffer.from(h, 'ascii'))));
    extensions.push(extension('2.5.29.17', false, seq(...names)));
  }
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    ECDSA_SHA256,
    name(spec.issuer),
    seq(time(new Date(now - 60 * 60 * 1000)), time(new Date(now + spec.days * 864e5))),
    name(spec.subject),
    spki,
    explicit(3, seq(...extensions)),
  );
  const signature = sign('sha256', tbs, spec.signer);
  const der = seq(tbs, ECDSA_SHA256, bits(signature));
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
}

/** The TLS material of the server. */
export interface TlsMaterial {
  /** PEM of the CA clients trust (goes into the kubeconfig). */
  caCert: string;
  /** PEM of the server certificate and its key. */
  cert: string;
  key: string;
}

function newKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

/**
 * Loads the server's TLS material from `<dataDir>/tls/`, creating it on first start: a CA
 * (10 years) and a server certificate it signs for localhost, 127.0.0.1, ::1 and `host`. The
 * server certificate is issued again by the same CA when it lacks a name or has under 30 days
 * left, so kubeconfigs written earlier keep working. The folder is 0700 and every file in it 0600,
 * the certificates too: they are in the kubeconfig, and a private folder has nothing public to list.
 */
export function loadOrCreateTls(dataDir: string, host: string): TlsMaterial {
  const dir = path.join(dataDir, 'tls');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (n: string): string => path.join(dir, n);
  const read = (n: string): string | undefined => {
    try {
      return readFileSync(file(n), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ApiServerError('StoreFailure', `${file(n)}: ${(error as Error).message}`, { cause: error });
    }
  };
  const hosts = [...new Set(['localhost', '127.0.0.1', '::1', ...(host && host !== '0.0.0.0' && host !== '::' ? [host] : [])])];
  let caCert = read('ca.crt');
  let caKeyPem = read('ca.key');
  if (!caCert || !caKeyPem) {
    const ca = newKey();
    caKeyPem = ca.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    caCert = certificate({ subject: 'sedna-embedded-ca', issuer: 'sedna-embedded-ca', publicKey: ca.publicKey, signer: ca.privateKey, ca: true, days: 3650 });
    writeFileAtomicSync(file('ca.key'), caKeyPem, { mode: 0o600 });
    writeFileAtomicSync(file('ca.crt'), caCert, { mode: 0o600 });
  }
  let cert = read('server.crt');
  let key = read('server.key');
  const fresh = (() => {
    if (!cert || !key) return false;
    try {
      const x = new X509Certificate(cert);
      const left = Date.parse(x.validTo) - Date.now();
      const san = x.subjectAltName ?? '';
      return left > 30 * 864e5 && x.checkIssued(new X509Certificate(caCert)) && hosts.every((h) => san.includes(isIP(h) ? `IP Address:${h === '::1' ? '0:0:0:0:0:0:0:1' : h}` : `DNS:${h}`) || san.includes(`IP Address:${h}`));
    } catch {
      return false;
    }
  })();
  if (!fresh) {
    const server = newKey();
    key = server.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    cert = certificate({ subject: 'sedna-embedded', issuer: 'sedna-embedded-ca', publicKey: server.publicKey, signer: createPrivateKey(caKeyPem), ca: false, days: 825, hosts });
    writeFileAtomicSync(file('server.key'), key, { mode: 0o600 });
    writeFileAtomicSync(file('server.crt'), cert, { mode: 0o600 });
  }
  return { caCert, cert: cert as string, key: key as string };
}
