import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { ApiServerError } from './errors.js';
import { decodeProtobufBody } from './protobuf.js';

// A small protobuf encoder of the test's own, to build bodies field by field.
function varint(value: bigint | number): Buffer {
  let x = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) byte |= 0x80;
    out.push(byte);
  } while (x !== 0n);
  return Buffer.from(out);
}
const key = (no: number, wire: number): Buffer => varint((BigInt(no) << 3n) | BigInt(wire));
/** A varint field. */
const num = (no: number, value: bigint | number): Buffer => Buffer.concat([key(no, 0), varint(value)]);
/** A length-delimited field. */
const bytes = (no: number, data: Buffer | string): Buffer => {
  const d = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([key(no, 2), varint(d.length), d]);
};
/** A message field. */
const msg = (no: number, ...parts: Buffer[]): Buffer => bytes(no, Buffer.concat(parts));
/** A map entry. */
const entry = (no: number, k: string, v: Buffer | string): Buffer => msg(no, bytes(1, k), bytes(2, v));
/** metav1.Time. */
const time = (no: number, seconds: bigint | number): Buffer => msg(no, num(1, seconds));
const MAGIC = Buffer.from('k8s\0', 'latin1');
/** The k8s envelope: runtime.Unknown{typeMeta{apiVersion, kind}, raw, contentEncoding, contentType}. */
function envelope(apiVersion: string, kind: string, ...raw: Buffer[]): Buffer {
  return Buffer.concat([MAGIC, msg(1, bytes(1, apiVersion), bytes(2, kind)), msg(2, ...raw), bytes(3, ''), bytes(4, '')]);
}
/** ObjectMeta with only a name, as kubectl sends it (empty strings, zero generation, empty time). */
const kubectlMeta = (name: string): Buffer => msg(1, bytes(1, name), bytes(2, ''), bytes(3, ''), bytes(4, ''), bytes(5, ''), bytes(6, ''), num(7, 0), msg(8));

function failure(body: Buffer): ApiServerError {
  try {
    decodeProtobufBody(body);
  } catch (error) {
    if (error instanceof ApiServerError) return error;
    throw error;
  }
  throw new Error('the body decoded');
}

describe('decodeProtobufBody gives the JSON object the JSON path gets', () => {
  test('a ConfigMap with every ObjectMeta field, in Go struct order', () => {
    const body = envelope(
      'v1',
      'ConfigMap',
      msg(
        1,
        bytes(1, 'cm'),
        bytes(2, 'g-'),
        bytes(3, 'default'),
        bytes(4, '/api/v1/x'),
        bytes(5, 'u1'),
        bytes(6, '7'),
        num(7, 3),
        time(8, 1700000000),
        msg(9, num(1, 1700000100), num(2, 5)),
        num(10, 30),
        entry(11, 'b', '2'),
        entry(11, 'a', '1'),
        entry(12, 'x/y', 'z'),
        msg(13, bytes(5, 'sedna.io/v1alpha1'), bytes(1, 'IncrementalLearningJob'), bytes(3, 'job'), bytes(4, 'o1'), num(6, 1)),
        bytes(14, 'f1'),
        bytes(14, 'f2'),
        bytes(15, 'cluster names are gone since 1.25'),
        msg(17, bytes(1, 'kubectl'), bytes(2, 'Update'), bytes(3, 'v1'), time(4, 1700000000), bytes(6, 'FieldsV1'), msg(7, bytes(1, '{"f:data":{"f:k":{}}}')), bytes(8, '')),
      ),
      num(4, 1),
      entry(2, 'k', 'v'),
      entry(3, 'bin', Buffer.from([0, 1, 0xff])),
    );
    const decoded = decodeProtobufBody(body);
    expect(decoded).toEqual({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: {
        name: 'cm',
        generateName: 'g-',
        namespace: 'default',
        selfLink: '/api/v1/x',
        uid: 'u1',
        resourceVersion: '7',
        generation: 3,
        creationTimestamp: '2023-11-14T22:13:20Z',
        deletionTimestamp: '2023-11-14T22:15:00Z',
        deletionGracePeriodSeconds: 30,
        labels: { a: '1', b: '2' },
        annotations: { 'x/y': 'z' },
        ownerReferences: [{ apiVersion: 'sedna.io/v1alpha1', kind: 'IncrementalLearningJob', name: 'job', uid: 'o1', controller: true }],
        finalizers: ['f1', 'f2'],
        managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2023-11-14T22:13:20Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:k': {} } } }],
      },
      immutable: true,
      data: { k: 'v' },
      binaryData: { bin: 'AAH/' },
    });
    expect(Object.keys(decoded)).toEqual(['kind', 'apiVersion', 'metadata', 'immutable', 'data', 'binaryData']);
    expect(Object.keys(decoded.metadata as object)).toEqual([
      'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp',
      'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
    ]);
  });

  test('empty omitempty fields are left out; a zero metav1.Time is null, as kubectl writes creationTimestamp', () => {
    expect(decodeProtobufBody(envelope('v1', 'ConfigMap', kubectlMeta('x')))).toEqual({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x', creationTimestamp: null } });
    expect(decodeProtobufBody(envelope('v1', 'ConfigMap'))).toEqual({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { creationTimestamp: null } });
  });

  test('a Time of 0 seconds is the Unix epoch, and Go zero time (year 1) is null', () => {
    const meta = (t: Buffer): Buffer => envelope('v1', 'ConfigMap', msg(1, t));
    expect((decodeProtobufBody(meta(time(8, 0))).metadata as Record<string, unknown>).creationTimestamp).toBe('1970-01-01T00:00:00Z');
    expect((decodeProtobufBody(meta(time(8, -62135596800n))).metadata as Record<string, unknown>).creationTimestamp).toBeNull();
    expect((decodeProtobufBody(meta(time(8, 253402300799n))).metadata as Record<string, unknown>).creationTimestamp).toBe('9999-12-31T23:59:59Z');
    // Go unmarshals any non-empty Time at its seconds (0 when absent): only nanos, or an unknown field.
    expect((decodeProtobufBody(meta(msg(8, num(2, 5)))).metadata as Record<string, unknown>).creationTimestamp).toBe('1970-01-01T00:00:00Z');
    expect((decodeProtobufBody(meta(msg(8, num(3, 1)))).metadata as Record<string, unknown>).creationTimestamp).toBe('1970-01-01T00:00:00Z');
  });

  test('fields without omitempty are written even when absent: OwnerReference names, TokenRequest spec and status', () => {
    const owner = decodeProtobufBody(envelope('v1', 'ConfigMap', msg(1, msg(13, bytes(4, 'o')))));
    expect((owner.metadata as Record<string, unknown>).ownerReferences).toEqual([{ apiVersion: '', kind: '', name: '', uid: 'o' }]);
    expect(decodeProtobufBody(envelope('authentication.k8s.io/v1', 'TokenRequest', msg(1), msg(2), msg(3, bytes(1, ''), msg(2))))).toEqual({
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: { audiences: null, expirationSeconds: null, boundObjectRef: null },
      status: { token: '', expirationTimestamp: null },
    });
  });

  test('a TokenRequest with audiences, a duration and a bound object', () => {
    const body = envelope('authentication.k8s.io/v1', 'TokenRequest', msg(1), msg(2, bytes(1, 'a'), bytes(1, 'b'), msg(3, bytes(1, 'Pod'), bytes(2, 'v1'), bytes(3, 'p'), bytes(4, 'u')), num(4, 3600)));
    expect(decodeProtobufBody(body).spec).toEqual({ audiences: ['a', 'b'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u' } });
  });

  test('a SelfSubjectAccessReview of a resource and of a path, and a SelfSubjectRulesReview (kubectl auth can-i)', () => {
    const resource = envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', msg(1), msg(2, msg(1, bytes(1, 'default'), bytes(2, 'create'), bytes(5, 'pods'))), msg(3, num(1, 0)));
    expect(decodeProtobufBody(resource)).toEqual({
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } },
      status: { allowed: false },
    });
    const path = envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', msg(1), msg(2, msg(2, bytes(1, '/healthz'), bytes(2, 'get'))), msg(3));
    expect(decodeProtobufBody(path).spec).toEqual({ nonResourceAttributes: { path: '/healthz', verb: 'get' } });
    expect(decodeProtobufBody(envelope('authorization.k8s.io/v1', 'SelfSubjectRulesReview', msg(1), msg(2, bytes(1, 'default')), msg(3)))).toEqual({
      kind: 'SelfSubjectRulesReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: { namespace: 'default' },
    });
  });

  test('a Secret: data in base64, stringData, type; a pointer field present as false is written', () => {
    const body = envelope('v1', 'Secret', kubectlMeta('s'), num(5, 0), entry(2, 'key', Buffer.from('s3cr3t\n')), entry(4, 'plain', 'text'), bytes(3, 'Opaque'));
    expect(decodeProtobufBody(body)).toEqual({
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 's', creationTimestamp: null },
      immutable: false,
      data: { key: Buffer.from('s3cr3t\n').toString('base64') },
      stringData: { plain: 'text' },
      type: 'Opaque',
    });
  });

  test('a Namespace writes spec and status as objects (Go structs), with their lists when sent', () => {
    expect(decodeProtobufBody(envelope('v1', 'Namespace', kubectlMeta('ns'), msg(2), msg(3, bytes(1, ''))))).toEqual({
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: { name: 'ns', creationTimestamp: null },
      spec: {},
      status: {},
    });
    const full = decodeProtobufBody(envelope('v1', 'Namespace', kubectlMeta('ns'), msg(2, bytes(1, 'kubernetes')), msg(3, bytes(1, 'Active'), msg(2, bytes(1, 'T'), bytes(2, 'True'), msg(4)))));
    expect([full.spec, full.status]).toEqual([{ finalizers: ['kubernetes'] }, { phase: 'Active', conditions: [{ type: 'T', status: 'True', lastTransitionTime: null }] }]);
  });

  test('a ServiceAccount with secrets, image pull secrets and automount', () => {
    const body = envelope('v1', 'ServiceAccount', kubectlMeta('sa'), msg(2, bytes(3, 'tok'), bytes(1, 'Secret')), msg(3, bytes(1, 'reg')), num(4, 0));
    expect(decodeProtobufBody(body)).toEqual({
      kind: 'ServiceAccount',
      apiVersion: 'v1',
      metadata: { name: 'sa', creationTimestamp: null },
      secrets: [{ kind: 'Secret', name: 'tok' }],
      imagePullSecrets: [{ name: 'reg' }],
      automountServiceAccountToken: false,
    });
  });

  test('DeleteOptions in any group version, with a negative grace period (a 10-byte varint)', () => {
    const body = envelope('coordination.k8s.io/v1', 'DeleteOptions', num(1, -1), msg(2, bytes(1, 'uid-1'), bytes(2, '')), num(3, 1), bytes(4, 'Foreground'), bytes(5, 'All'));
    expect(body.includes(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe(true);
    expect(decodeProtobufBody(body)).toEqual({
      kind: 'DeleteOptions',
      apiVersion: 'coordination.k8s.io/v1',
      gracePeriodSeconds: -1,
      preconditions: { uid: 'uid-1', resourceVersion: '' },
      orphanDependents: true,
      propagationPolicy: 'Foreground',
      dryRun: ['All'],
    });
    expect(decodeProtobufBody(envelope('v1', 'DeleteOptions'))).toEqual({ kind: 'DeleteOptions', apiVersion: 'v1' });
  });

  test('unknown fields of every skippable wire type are skipped, at the top, in metadata and in map entries', () => {
    const fixed64 = Buffer.concat([key(90, 1), Buffer.alloc(8, 0xee)]);
    const fixed32 = Buffer.concat([key(91, 5), Buffer.alloc(4, 0xee)]);
    const body = envelope(
      'v1',
      'ConfigMap',
      num(99, 123456789),
      msg(1, bytes(1, 'x'), fixed64, num(50, 1), bytes(51, 'new'), msg(11, bytes(1, 'k'), bytes(2, 'v'), num(3, 7))),
      fixed32,
      msg(100, msg(1, bytes(1, 'deep'))),
      entry(2, 'a', 'b'),
    );
    expect(decodeProtobufBody(body)).toEqual({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x', creationTimestamp: null, labels: { k: 'v' } }, data: { a: 'b' } });
  });

  test('repeated occurrences merge as protobuf does: last scalar wins, maps and messages merge, lists append, keys sorted', () => {
    const body = envelope('v1', 'ConfigMap', msg(1, bytes(1, 'first'), entry(11, 'z', '1')), msg(1, bytes(1, 'second'), entry(11, 'a', '2'), entry(11, 'z', '3'), bytes(14, 'f')), num(4, 1), num(4, 0));
    expect(decodeProtobufBody(body)).toEqual({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'second', creationTimestamp: null, labels: { a: '2', z: '3' }, finalizers: ['f'] }, immutable: false });
    expect(Object.keys((decodeProtobufBody(body).metadata as { labels: object }).labels)).toEqual(['a', 'z']);
  });

  test('invalid UTF-8 in a string becomes U+FFFD, as Go writes it to JSON', () => {
    const body = envelope('v1', 'ConfigMap', kubectlMeta('x'), entry(2, 'k', Buffer.from([0x61, 0xff, 0x62])));
    expect(decodeProtobufBody(body).data).toEqual({ k: 'a\uFFFDb' });
  });

  test('ConfigMaps round-trip: what the encoder writes the decoder reads back', () => {
    const name = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
    const dict = fc.dictionary(fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/), fc.string({ maxLength: 40 }), { maxKeys: 6 });
    const binary = fc.dictionary(fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/), fc.uint8Array({ maxLength: 40 }), { maxKeys: 4 });
    fc.assert(
      fc.property(name, dict, dict, binary, (n, labels, data, bin) => {
        const body = envelope(
          'v1',
          'ConfigMap',
          msg(1, bytes(1, n), ...Object.entries(labels).map(([k, v]) => entry(11, k, v)), msg(8)),
          ...Object.entries(data).map(([k, v]) => entry(2, k, v)),
          ...Object.entries(bin).map(([k, v]) => entry(3, k, Buffer.from(v))),
        );
        const expected: Record<string, unknown> = {
          kind: 'ConfigMap',
          apiVersion: 'v1',
          metadata: { name: n, creationTimestamp: null, ...(Object.keys(labels).length ? { labels } : {}) },
          ...(Object.keys(data).length ? { data } : {}),
          ...(Object.keys(bin).length ? { binaryData: Object.fromEntries(Object.entries(bin).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) } : {}),
        };
        expect(decodeProtobufBody(body)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});

describe('decodeProtobufBody refuses what it cannot decode, saying where and what', () => {
  test('a body without the k8s prefix is malformed (400)', () => {
    const e = failure(Buffer.from('{"kind":"ConfigMap"}'));
    expect(e.code).toBe('BadRequest');
    expect(e.message).toBe('application/vnd.kubernetes.protobuf body: at byte 0: the body does not start with the Kubernetes protobuf prefix "k8s\\x00" (got "{\\"ki")');
  });

  test('a length past the end of its message names the field path and the byte offset', () => {
    // The labels entry claims 30 bytes where its metadata message has 3 left.
    const meta = Buffer.concat([bytes(1, 'x'), key(11, 2), varint(30), Buffer.from('abc')]);
    const body = envelope('v1', 'ConfigMap', msg(1, meta));
    const metaStart = body.indexOf(meta);
    const e = failure(body);
    expect(e.code).toBe('BadRequest');
    expect(e.message).toBe(`ConfigMap v1 (protobuf): metadata: at byte ${metaStart + 3}: field 11: length 30 is more than the 3 bytes left in its message`);
  });

  test('a body cut short breaks the envelope (400)', () => {
    const whole = envelope('v1', 'ConfigMap', kubectlMeta('x'), entry(2, 'a', 'b'));
    const e = failure(whole.subarray(0, whole.length - 8));
    expect(e.code).toBe('BadRequest');
    expect(e.message).toMatch(/^application\/vnd\.kubernetes\.protobuf body: at byte \d+: field 2: length \d+ is more than the \d+ bytes left in its message$/);
  });

  test.each([
    ['a varint cut short', Buffer.concat([key(7, 0), Buffer.from([0x80])]), /metadata: at byte \d+: the varint runs past the end of its message$/],
    ['a varint of 11 bytes', Buffer.concat([key(7, 0), Buffer.alloc(10, 0x80), Buffer.from([1])]), /metadata: at byte \d+: the varint is longer than 10 bytes$/],
    ['wire type 6', key(3, 6), /metadata: at byte \d+: field 3: wire type 6 does not exist$/],
    ['wire type 7', key(3, 7), /metadata: at byte \d+: field 3: wire type 7 does not exist$/],
    ['an end group alone', key(3, 4), /metadata: at byte \d+: field 3: an end-group tag without its group$/],
    ['field number 0', Buffer.from([0x02, 0x00]), /metadata: at byte \d+: field number 0 is out of range$/],
    ['a known string field sent as a varint', num(1, 5), /metadata\.name: at byte \d+: wire type varint where a length-delimited value was expected \(field 1\)$/],
    ['a known int field sent as bytes', bytes(7, 'x'), /metadata\.generation: at byte \d+: wire type length-delimited where a varint was expected \(field 7\)$/],
    ['a map entry value sent as a varint', msg(11, bytes(1, 'k'), num(2, 1)), /metadata\.labels: at byte \d+: map entry field 2: wire type varint where a length-delimited value was expected$/],
    ['a field set that is not JSON', msg(17, msg(7, bytes(1, '{nope'))), /metadata\.managedFields\[0\]\.fieldsV1: at byte \d+: the field set is not JSON: /],
    ['a time past the year 9999', time(8, 253402300800n), /metadata\.creationTimestamp: 253402300800 seconds since 1970 is not a time between the years 1 and 9999$/],
  ])('%s in metadata is malformed (400)', (_what, meta, message) => {
    const e = failure(envelope('v1', 'ConfigMap', msg(1, meta)));
    expect(e.code).toBe('BadRequest');
    expect(e.message.startsWith('ConfigMap v1 (protobuf): metadata')).toBe(true);
    expect(e.message).toMatch(message);
  });

  test('an envelope without a kind is malformed (400)', () => {
    expect(failure(Buffer.concat([MAGIC, msg(1, bytes(1, 'v1')), msg(2)])).message).toBe('application/vnd.kubernetes.protobuf body: typeMeta.kind: the envelope names no kind (apiVersion "v1")');
    expect(failure(MAGIC).code).toBe('BadRequest');
  });

  test('a kind without a field table here is unsupported (415), naming the kind and the accepted media types', () => {
    const e = failure(envelope('v1', 'Pod', kubectlMeta('p')));
    expect(e.code).toBe('UnsupportedMediaType');
    expect(e.message).toBe(
      'the body of the request was in an unknown format - Pod v1 was sent as application/vnd.kubernetes.protobuf, which this server decodes only for ConfigMap, Secret, Namespace, ServiceAccount, TokenRequest, SelfSubjectAccessReview, SelfSubjectRulesReview, Role, ClusterRole, RoleBinding, ClusterRoleBinding, DeleteOptions - accepted media types for Pod include: application/json, application/yaml',
    );
    expect(failure(envelope('v2', 'ConfigMap')).message).toContain('ConfigMap v2 was sent as application/vnd.kubernetes.protobuf');
    expect(failure(envelope('v1', 'toString')).code).toBe('UnsupportedMediaType');
  });

  test('a protobuf group (which no Kubernetes message has) cannot be skipped: 415', () => {
    const e = failure(envelope('v1', 'ConfigMap', kubectlMeta('x'), key(40, 3), key(40, 4)));
    expect(e.code).toBe('UnsupportedMediaType');
    expect(e.message).toMatch(/^ConfigMap v1 \(protobuf\): at byte \d+: field 40 is a protobuf group \(wire type 3\), which Kubernetes messages never use and this server cannot skip - accepted media types include: application\/json, application\/yaml$/);
  });

  test('a content encoding in the envelope is unsupported (415)', () => {
    const body = Buffer.concat([MAGIC, msg(1, bytes(1, 'v1'), bytes(2, 'ConfigMap')), msg(2, kubectlMeta('x')), bytes(3, 'gzip')]);
    const e = failure(body);
    expect(e.code).toBe('UnsupportedMediaType');
    expect(e.message).toContain('ConfigMap v1 was sent with content encoding "gzip"');
  });
});
