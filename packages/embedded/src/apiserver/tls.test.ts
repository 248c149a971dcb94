import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { loadOrCreateTls } from './tls.js';

test('the server certificate is signed by the persisted CA for the loopback names and is reused across starts', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sedna-tls-'));
  try {
    const first = loadOrCreateTls(dir, '127.0.0.1');
    const ca = new X509Certificate(first.caCert);
    const cert = new X509Certificate(first.cert);
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(Date.parse(cert.validTo)).toBeGreaterThan(Date.now() + 365 * 864e5);
    expect(loadOrCreateTls(dir, '127.0.0.1')).toEqual(first);
    const other = loadOrCreateTls(dir, '10.1.2.3');
    expect(other.caCert).toBe(first.caCert);
    expect(new X509Certificate(other.cert).checkIP('10.1.2.3')).toBe('10.1.2.3');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
