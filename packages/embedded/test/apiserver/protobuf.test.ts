// Protobuf request bodies as kubectl 1.32 sends them (fixtures captured from it, in hex, so these
// tests need no kubectl): decoded to the JSON kubectl would have sent, then through the real server.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ApiServerError } from '../../src/index.js';
import { decodeProtobufBody } from '../../src/apiserver/protobuf.js';
import { removeDir, startTestServer, type TestServer } from '../support/apiserver.js';

interface Captured {
  name: string;
  command: string;
  method: string;
  path: string;
  accept: string;
  body: string;
}

const fixtures = (JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/kubectl-protobuf.json', import.meta.url)), 'utf8')) as { requests: Captured[] }).requests;

function fixture(name: string): Captured & { bytes: Buffer } {
  const f = fixtures.find((x) => x.name === name);
  if (!f) throw new Error(`no fixture ${name}`);
  return { ...f, bytes: Buffer.from(f.body, 'hex') };
}

const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const meta = (name?: string): Record<string, unknown> => ({ ...(name ? { name } : {}), creationTimestamp: null });
const dockerConfig = '{"auths":{"r.io":{"username":"u","password":"p","auth":"dTpw"}}}';
const boundUid = '1f12ad3f-5ac7-41e9-9a13-08424f7908ed';

/** What kubectl would have sent as JSON for each captured body (Go's encoding/json of the object). */
const expected: Record<string, Record<string, unknown>> = {
  'configmap-literal': { kind: 'ConfigMap', apiVersion: 'v1', metadata: meta('x'), data: { a: 'b' } },
  'configmap-files': { kind: 'ConfigMap', apiVersion: 'v1', metadata: meta('files'), data: { 'text.txt': 'hello text\n' }, binaryData: { 'bin.dat': Buffer.from([0, 1, 2, 0xff, 0xfe]).toString('base64') } },
  'secret-generic': { kind: 'Secret', apiVersion: 'v1', metadata: meta('s'), data: { a: Buffer.from('b').toString('base64') } },
  'secret-docker-registry': { kind: 'Secret', apiVersion: 'v1', metadata: meta('reg'), data: { '.dockerconfigjson': Buffer.from(dockerConfig).toString('base64') }, type: 'kubernetes.io/dockerconfigjson' },
  'secret-typed': { kind: 'Secret', apiVersion: 'v1', metadata: meta('s2'), type: 'foo/bar' },
  namespace: { kind: 'Namespace', apiVersion: 'v1', metadata: meta('ns1'), spec: {}, status: {} },
  serviceaccount: { kind: 'ServiceAccount', apiVersion: 'v1', metadata: meta('sa1') },
  token: { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: meta(), spec: { audiences: null, expirationSeconds: null, boundObjectRef: null }, status: { token: '', expirationTimestamp: null } },
  'token-audiences': {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: meta(),
    spec: { audiences: ['foo', 'bar'], expirationSeconds: 3600, boundObjectRef: null },
    status: { token: '', expirationTimestamp: null },
  },
  'token-bound': {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: meta(),
    spec: { audiences: ['foo'], expirationSeconds: 1200, boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 's', uid: boundUid } },
    status: { token: '', expirationTimestamp: null },
  },
  'drain-delete-options': { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 },
};

describe('the bodies kubectl sends as protobuf decode to what it would send as JSON', () => {
  test.each(Object.keys(expected))('%s', (name) => {
    expect(decodeProtobufBody(fixture(name).bytes)).toEqual(expected[name]);
  });

  test('kubectl --save-config writes its own JSON of the object into an annotation: the decoded body is that JSON', () => {
    const decoded = decodeProtobufBody(fixture('configmap-save-config').bytes);
    const annotations = (decoded.metadata as { annotations: Record<string, string> }).annotations;
    const ownJson = JSON.parse(annotations['kubectl.kubernetes.io/last-applied-configuration'] as string) as Record<string, unknown>;
    const { annotations: _a, ...metadataWithout } = decoded.metadata as Record<string, unknown>;
    expect({ ...decoded, metadata: metadataWithout }).toEqual(ownJson);
    expect(ownJson).toEqual({ kind: 'ConfigMap', apiVersion: 'v1', metadata: meta('y'), data: { a: 'b' } });
  });

  test('a Pod (kubectl debug) is not decoded: 415 naming it', () => {
    let error: unknown;
    try {
      decodeProtobufBody(fixture('debug-pod').bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiServerError);
    expect(error).toMatchObject({ code: 'UnsupportedMediaType', message: expect.stringContaining('Pod v1 was sent as application/vnd.kubernetes.protobuf') });
  });
});

describe('protobuf bodies through the server', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    await t.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'p2' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dir);
  });

  /** Sends a captured request as kubectl did (its body, content type and Accept), with `query`. */
  function replay(f: Captured & { bytes: Buffer }, query = '', body: Buffer = f.bytes): ReturnType<TestServer['fetch']> {
    // Node's client frames a DELETE body only with an explicit Content-Length (as Go sends).
    const headers = { 'Content-Type': PROTOBUF, Accept: f.accept, 'Content-Length': String(body.length) };
    return t.fetch(`${f.path}${query}`, { method: f.method, headers, body });
  }

  function jwtClaims(token: string): { aud: string[]; exp: number; iat: number } {
    return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8')) as { aud: string[]; exp: number; iat: number };
  }

  test('kubectl create namespace, configmap, secret and serviceaccount bodies create the objects; the answers are JSON', async () => {
    for (const name of ['namespace', 'configmap-literal', 'configmap-files', 'configmap-save-config', 'secret-generic', 'secret-docker-registry', 'secret-typed', 'serviceaccount']) {
      const res = await replay(fixture(name), '?fieldManager=kubectl-create&fieldValidation=Strict');
      expect([name, res.status, res.headers['content-type']]).toEqual([name, 201, 'application/json']);
    }
    const files = (await t.fetch('/api/v1/namespaces/default/configmaps/files')).json();
    expect([files.data, files.binaryData]).toEqual([{ 'text.txt': 'hello text\n' }, { 'bin.dat': 'AAEC//4=' }]);
    expect(files.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const y = (await t.fetch('/api/v1/namespaces/default/configmaps/y')).json();
    expect(y.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('"name":"y"');
    const reg = (await t.fetch('/api/v1/namespaces/default/secrets/reg')).json();
    expect([reg.type, Buffer.from(reg.data['.dockerconfigjson'], 'base64').toString()]).toEqual(['kubernetes.io/dockerconfigjson', dockerConfig]);
    expect((await t.fetch('/api/v1/namespaces/default/secrets/s')).json().type).toBe('Opaque');
    expect((await t.fetch('/api/v1/namespaces/default/secrets/s2')).json().type).toBe('foo/bar');
    expect((await t.fetch('/api/v1/namespaces/ns1')).json().status).toEqual({ phase: 'Active' });
    expect((await t.fetch('/api/v1/namespaces/default/serviceaccounts/sa1')).status).toBe(200);
    // The same body again is a conflict: the normal create path ran.
    expect((await replay(fixture('configmap-literal'))).json()).toMatchObject({ reason: 'AlreadyExists', code: 409 });
  });

  test('kubectl create token bodies get tokens for the requested audiences and duration', async () => {
    const plain = await replay(fixture('token'));
    expect(plain.status).toBe(201);
    const claims = jwtClaims(plain.json().status.token);
    expect(claims.exp - claims.iat).toBe(3600);
    const custom = await replay(fixture('token-audiences'));
    expect(custom.json().spec).toMatchObject({ audiences: ['foo', 'bar'], expirationSeconds: 3600 });
    expect(jwtClaims(custom.json().status.token).aud).toEqual(['foo', 'bar']);
    // Bound to a Secret s of another uid than this server gave it: refused by the normal path.
    const bound = await replay(fixture('token-bound'));
    expect(bound.json()).toMatchObject({ reason: 'Conflict', code: 409, message: expect.stringContaining(boundUid) });
  });

  test("kubectl drain's protobuf DeleteOptions deletes the pod at once (grace period 0)", async () => {
    const res = await replay(fixture('drain-delete-options'));
    expect(res.status).toBe(200);
    expect((await t.fetch('/api/v1/namespaces/default/pods/p2')).status).toBe(404);
  });

  test('malformed protobuf answers 400 naming where it broke; an undecoded kind answers 415 naming it', async () => {
    const literal = fixture('configmap-literal');
    const cut = await replay(literal, '', literal.bytes.subarray(0, literal.bytes.length - 12));
    expect(cut.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400, message: expect.stringMatching(/^application\/vnd\.kubernetes\.protobuf body: at byte \d+: field 2: length/) });
    const json = await replay(literal, '', Buffer.from('{"kind":"ConfigMap"}'));
    expect(json.json()).toMatchObject({ reason: 'BadRequest', message: expect.stringContaining('does not start with the Kubernetes protobuf prefix') });
    const pod = await replay(fixture('debug-pod'));
    expect(pod.json()).toMatchObject({ reason: 'UnsupportedMediaType', code: 415, message: expect.stringContaining('Pod v1 was sent as application/vnd.kubernetes.protobuf') });
    expect(pod.json().message).toContain('accepted media types for Pod include: application/json, application/yaml');
    const broken = Buffer.from('k8s\0\x0a', 'latin1');
    const del = await t.fetch('/api/v1/namespaces/default/configmaps/x', { method: 'DELETE', headers: { 'Content-Type': PROTOBUF, 'Content-Length': String(broken.length) }, body: broken });
    expect(del.json()).toMatchObject({ reason: 'BadRequest', code: 400, message: 'application/vnd.kubernetes.protobuf body: at byte 5: the varint runs past the end of its message' });
    expect((await t.fetch('/api/v1/namespaces/default/configmaps/x')).status).toBe(200);
  });
});
