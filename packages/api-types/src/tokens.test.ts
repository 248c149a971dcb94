import { describe, expect, it } from '@jest/globals';
import {
  isLegacyWorkerToken,
  legacyWorkerToken,
  mintWorkerToken,
  nodeToken,
  readWorkerTokenClaims,
  tokensEqual,
  verifyLegacyWorkerToken,
  verifyWorkerToken,
  type WorkerTokenClaims,
} from './tokens.js';

const SECRET = 'gm-secret-for-tests-0123456789';
const NODE = nodeToken(SECRET, 'edge-1');
const CLAIMS: WorkerTokenClaims = { namespace: 'default', kind: 'incrementallearningjob', job: 'helmet', pod: 'helmet-train-x7k2q', node: 'edge-1', role: 'train' };

describe('node tokens', () => {
  it('are the hex HMAC-SHA256 of the node name keyed by the GM secret, one per node', () => {
    expect(NODE).toMatch(/^[0-9a-f]{64}$/);
    expect(nodeToken(SECRET, 'edge-1')).toBe(NODE);
    expect(nodeToken(SECRET, 'edge-2')).not.toBe(NODE);
    expect(nodeToken('another-secret', 'edge-1')).not.toBe(NODE);
  });
});

describe('worker tokens', () => {
  it('round-trip their claims when checked with the node token they were made with', () => {
    const token = mintWorkerToken(NODE, CLAIMS);
    expect(token.startsWith('sw1.')).toBe(true);
    expect(verifyWorkerToken(NODE, token)).toEqual({ ok: true, claims: CLAIMS });
    expect(readWorkerTokenClaims(token)).toEqual(CLAIMS);
  });

  it('are refused with another node token', () => {
    const token = mintWorkerToken(NODE, CLAIMS);
    const check = verifyWorkerToken(nodeToken(SECRET, 'edge-2'), token);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.reason).toContain('"edge-1"');
  });

  it.each<[string, Partial<WorkerTokenClaims>]>([
    ['another job', { job: 'other' }],
    ['another namespace', { namespace: 'team-b' }],
    ['another kind', { kind: 'lifelonglearningjob' }],
    ['another pod', { pod: 'helmet-train-aaaaa' }],
    ['another role', { role: 'eval' }],
  ])('cannot be edited to speak for %s (the mac covers every claim)', (_what, change) => {
    const token = mintWorkerToken(NODE, CLAIMS);
    const [prefix, , mac] = token.split('.');
    const edited = { ...CLAIMS, ...change };
    const body = Buffer.from(JSON.stringify({ ns: edited.namespace, kind: edited.kind, job: edited.job, pod: edited.pod, node: edited.node, role: edited.role })).toString('base64url');
    expect(verifyWorkerToken(NODE, `${prefix}.${body}.${mac}`).ok).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['legacy hex', 'a'.repeat(64)],
    ['two parts', 'sw1.abc'],
    ['wrong prefix', `sw2.${mintWorkerToken(NODE, CLAIMS).slice(4)}`],
    ['claims not JSON', 'sw1.bm90IGpzb24.mac'],
    ['claims an array', `sw1.${Buffer.from('[1,2]').toString('base64url')}.mac`],
    ['unknown role', `sw1.${Buffer.from(JSON.stringify({ ns: 'a', kind: 'b', job: 'c', pod: 'd', node: 'e', role: 'admin' })).toString('base64url')}.mac`],
    ['empty job', `sw1.${Buffer.from(JSON.stringify({ ns: 'a', kind: 'b', job: '', pod: 'd', node: 'e', role: 'train' })).toString('base64url')}.mac`],
    ['too long', `sw1.${'A'.repeat(5000)}.mac`],
  ])('a malformed token (%s) has no claims and is refused', (_what, token) => {
    expect(readWorkerTokenClaims(token)).toBeUndefined();
    const check = verifyWorkerToken(NODE, token);
    expect(check).toEqual({ ok: false, reason: 'the token is not a worker token' });
  });
});

describe('old-form worker tokens', () => {
  it('are the hex HMAC-SHA256 of the pod name keyed by the node token, and name only the pod', () => {
    const token = legacyWorkerToken(NODE, 'helmet-train-x7k2q');
    expect(isLegacyWorkerToken(token)).toBe(true);
    expect(verifyLegacyWorkerToken(NODE, 'helmet-train-x7k2q', token)).toBe(true);
    expect(verifyLegacyWorkerToken(NODE, 'helmet-train-other', token)).toBe(false);
    expect(verifyLegacyWorkerToken(nodeToken(SECRET, 'edge-2'), 'helmet-train-x7k2q', token)).toBe(false);
    expect(isLegacyWorkerToken(mintWorkerToken(NODE, CLAIMS))).toBe(false);
    expect(verifyLegacyWorkerToken(NODE, 'helmet-train-x7k2q', token.toUpperCase())).toBe(false);
  });
});

describe('tokensEqual', () => {
  it('is equality, for any lengths', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true);
    expect(tokensEqual('abc', 'abd')).toBe(false);
    expect(tokensEqual('abc', 'abcd')).toBe(false);
    expect(tokensEqual('', '')).toBe(true);
  });
});
