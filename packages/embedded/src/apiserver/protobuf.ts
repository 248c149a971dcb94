// Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`): the wire format, the
// `k8s\0` + runtime.Unknown envelope, and a decoder driven by field tables (protobufMessages.ts) that
// yields the JSON object the client would have sent as JSON, so the normal request path runs unchanged.
import { ApiServerError } from './errors.js';
import { type FieldSpec, type MessageSpec, PROTOBUF_KINDS, type ProtobufKind, TIMESTAMP, TYPE_META } from './protobufMessages.js';

/** The media type of Kubernetes protobuf bodies. */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** The 4 bytes every Kubernetes protobuf body starts with. */
const MAGIC = Buffer.from('k8s\0', 'latin1');

/** Protobuf wire types (https://protobuf.dev/programming-guides/encoding/#structure). */
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const SGROUP = 3;
const EGROUP = 4;
const I32 = 5;

const WIRE_NAMES = ['varint', '64-bit', 'length-delimited', 'start-group', 'end-group', '32-bit'];

/** The seconds of metav1.Time (google.protobuf.Timestamp field 1; its nanos never reach JSON). */
const SECONDS = TIMESTAMP.fields[0] as FieldSpec;

/** Go's zero time.Time in Unix seconds (January 1, year 1 UTC): metav1.Time writes it as null. */
const ZERO_TIME_SECONDS = -62135596800n;
/** The last second of year 9999, past which Go cannot write an RFC 3339 time. */
const MAX_TIME_SECONDS = 253402300799n;

/** Where the decoder is: what the body is (for messages) and the JSON path of the current message. */
interface Where {
  subject: string;
  path: string;
}

/** The place of field `name` of the message at `where`. */
function inside(where: Where, name: string): Where {
  return { subject: where.subject, path: where.path ? `${where.path}.${name}` : name };
}

function at(where: Where, field?: string): string {
  const path = field === undefined ? where.path : inside(where, field).path;
  return path ? `${where.subject}: ${path}` : where.subject;
}

function malformed(where: Where, offset: number, message: string, field?: string): ApiServerError {
  return new ApiServerError('BadRequest', `${at(where, field)}: at byte ${offset}: ${message}`);
}

/** One field as found on the wire: its number, wire type, offset, and value (varint) or byte range. */
interface WireField {
  no: number;
  wire: number;
  offset: number;
  varint: bigint;
  start: number;
  end: number;
}

function readVarint(buf: Buffer, pos: number, end: number, where: Where): { value: bigint; next: number } {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) throw malformed(where, pos, 'the varint runs past the end of its message');
    const b = buf[pos + i] as number;
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if (b < 0x80) return { value: BigInt.asUintN(64, value), next: pos + i + 1 };
  }
  throw malformed(where, pos, 'the varint is longer than 10 bytes');
}

/**
 * The fields of the message in `buf[start, end)`, in wire order. Fields of the wire types protobuf
 * can skip are given whole; a group (wire types 3 and 4, unused by Kubernetes) is unsupported (415),
 * and anything that does not parse is malformed (400), with the byte offset where it broke.
 */
function* wireFields(buf: Buffer, start: number, end: number, where: Where): Generator<WireField> {
  let pos = start;
  while (pos < end) {
    const offset = pos;
    const key = readVarint(buf, pos, end, where);
    pos = key.next;
    const wire = Number(key.value & 7n);
    const no = key.value >> 3n;
    if (no < 1n || no > 536870911n) throw malformed(where, offset, `field number ${no} is out of range`);
    const field: WireField = { no: Number(no), wire, offset, varint: 0n, start: pos, end: pos };
    switch (wire) {
      case VARINT: {
        const v = readVarint(buf, pos, end, where);
        field.varint = v.value;
        pos = v.next;
        break;
      }
      case I64:
      case I32: {
        const size = wire === I64 ? 8 : 4;
        if (pos + size > end) throw malformed(where, offset, `field ${field.no}: the ${WIRE_NAMES[wire]} value runs past the end of its message`);
        pos += size;
        break;
      }
      case LEN: {
        const len = readVarint(buf, pos, end, where);
        pos = len.next;
        if (len.value > BigInt(end - pos)) throw malformed(where, offset, `field ${field.no}: length ${len.value} is more than the ${end - pos} bytes left in its message`);
        field.start = pos;
        pos += Number(len.value);
        break;
      }
      case SGROUP:
        throw new ApiServerError(
          'UnsupportedMediaType',
          `${at(where)}: at byte ${offset}: field ${field.no} is a protobuf group (wire type 3), which Kubernetes messages never use and this server cannot skip - accepted media types include: application/json, application/yaml`,
        );
      case EGROUP:
        throw malformed(where, offset, `field ${field.no}: an end-group tag without its group`);
      default:
        throw malformed(where, offset, `field ${field.no}: wire type ${wire} does not exist`);
    }
    field.end = pos;
    yield field;
  }
}

/** Decoded values of one message before they are written as JSON (merged as protobuf merges). */
type Collected = Map<FieldSpec, CollectedValue>;
type CollectedValue = bigint | string | Buffer | Collected | (string | Collected)[] | Map<string, string | Buffer> | { json: unknown };

const specsByNumber = new WeakMap<MessageSpec, Map<number, FieldSpec>>();

function fieldsOf(message: MessageSpec): Map<number, FieldSpec> {
  let map = specsByNumber.get(message);
  if (!map) {
    map = new Map(message.fields.map((f) => [f.no, f]));
    specsByNumber.set(message, map);
  }
  return map;
}

function expectedWire(spec: FieldSpec): number {
  return spec.type === 'int64' || spec.type === 'int32' || spec.type === 'bool' ? VARINT : LEN;
}

function utf8(buf: Buffer, f: WireField): string {
  return buf.toString('utf8', f.start, f.end);
}

/** Decodes a map entry message (key = 1, value = 2), skipping anything else in it. */
function mapEntry(buf: Buffer, f: WireField, spec: FieldSpec, where: Where): [string, string | Buffer] {
  const entryWhere = inside(where, spec.name);
  let key = '';
  let value: string | Buffer = spec.type === 'map<string,bytes>' ? Buffer.alloc(0) : '';
  for (const e of wireFields(buf, f.start, f.end, entryWhere)) {
    if (e.no !== 1 && e.no !== 2) continue;
    if (e.wire !== LEN) throw malformed(entryWhere, e.offset, `map entry field ${e.no}: wire type ${WIRE_NAMES[e.wire] ?? e.wire} where a length-delimited ${e.no === 1 ? 'key' : 'value'} was expected`);
    if (e.no === 1) key = utf8(buf, e);
    else value = spec.type === 'map<string,bytes>' ? Buffer.from(buf.subarray(e.start, e.end)) : utf8(buf, e);
  }
  return [key, value];
}

/** Reads the message in `buf[start, end)` into `into`, merging with what is there already. */
function collect(message: MessageSpec, buf: Buffer, start: number, end: number, where: Where, into: Collected): Collected {
  const specs = fieldsOf(message);
  for (const f of wireFields(buf, start, end, where)) {
    const spec = specs.get(f.no);
    if (!spec) continue; // An unknown field: skipped, as protobuf does, for newer clients.
    if (f.wire !== expectedWire(spec)) {
      throw malformed(where, f.offset, `wire type ${WIRE_NAMES[f.wire] ?? f.wire} where ${expectedWire(spec) === VARINT ? 'a varint' : 'a length-delimited value'} was expected (field ${f.no})`, spec.name);
    }
    const child = (): Where => inside(where, spec.name);
    switch (spec.type) {
      case 'int64':
      case 'int32':
      case 'bool':
        into.set(spec, f.varint);
        break;
      case 'string':
        if (spec.repeated) ((into.get(spec) as string[] | undefined) ?? setNew(into, spec, [] as string[])).push(utf8(buf, f));
        else into.set(spec, utf8(buf, f));
        break;
      case 'bytes':
        into.set(spec, Buffer.from(buf.subarray(f.start, f.end)));
        break;
      case 'map<string,string>':
      case 'map<string,bytes>': {
        const [k, v] = mapEntry(buf, f, spec, where);
        ((into.get(spec) as Map<string, string | Buffer> | undefined) ?? setNew(into, spec, new Map<string, string | Buffer>())).set(k, v);
        break;
      }
      case 'time': {
        // metav1.Time replaces itself on each occurrence rather than merging; empty is Go's zero time.
        const timestamp = collect(TIMESTAMP, buf, f.start, f.end, child(), new Map());
        if (f.end > f.start && !timestamp.has(SECONDS)) timestamp.set(SECONDS, 0n);
        into.set(spec, timestamp);
        break;
      }
      case 'fieldsV1':
        into.set(spec, { json: fieldsV1Json(buf, f, child()) });
        break;
      default: {
        const nested = spec.type;
        if (spec.repeated) {
          const list = (into.get(spec) as Collected[] | undefined) ?? setNew(into, spec, [] as Collected[]);
          list.push(collect(nested, buf, f.start, f.end, { subject: where.subject, path: `${child().path}[${list.length}]` }, new Map()));
        } else {
          collect(nested, buf, f.start, f.end, child(), (into.get(spec) as Collected | undefined) ?? setNew(into, spec, new Map() as Collected));
        }
      }
    }
  }
  return into;
}

function setNew<T extends CollectedValue>(into: Collected, spec: FieldSpec, value: T): T {
  into.set(spec, value);
  return value;
}

/** metav1.Time as JSON: RFC 3339 in UTC to the second, null for Go's zero time. */
function timeJson(t: Collected | undefined, where: Where, spec: FieldSpec): string | null {
  const raw = t?.get(SECONDS) as bigint | undefined;
  if (raw === undefined) return null;
  const seconds = BigInt.asIntN(64, raw);
  if (seconds === ZERO_TIME_SECONDS) return null;
  if (seconds < ZERO_TIME_SECONDS || seconds > MAX_TIME_SECONDS) {
    throw new ApiServerError('BadRequest', `${at(where, spec.name)}: ${seconds} seconds since 1970 is not a time between the years 1 and 9999`);
  }
  const iso = new Date(Number(seconds) * 1000).toISOString();
  return `${iso.slice(0, 19)}Z`;
}

/** metav1.FieldsV1 (the message in `f`) as JSON: its Raw bytes (field 1), which are JSON themselves. */
function fieldsV1Json(buf: Buffer, f: WireField, where: Where): unknown {
  let raw: WireField | undefined;
  for (const r of wireFields(buf, f.start, f.end, where)) if (r.no === 1 && r.wire === LEN) raw = r;
  if (raw === undefined) return null;
  try {
    return JSON.parse(utf8(buf, raw));
  } catch (error) {
    throw new ApiServerError('BadRequest', `${at(where)}: at byte ${raw.start}: the field set is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false || v === null;
}

function scalarJson(spec: FieldSpec, v: bigint | string | Buffer): unknown {
  switch (spec.type) {
    case 'int64':
      return Number(BigInt.asIntN(64, v as bigint));
    case 'int32':
      return Number(BigInt.asIntN(32, v as bigint));
    case 'bool':
      return (v as bigint) !== 0n;
    case 'bytes':
      return (v as Buffer).toString('base64');
    default:
      return v;
  }
}

function zeroOf(spec: FieldSpec): unknown {
  switch (spec.type) {
    case 'int64':
    case 'int32':
      return 0;
    case 'bool':
      return false;
    case 'bytes':
      return null;
    default:
      return '';
  }
}

/**
 * Writes collected values as Go's encoding/json writes the Go struct: fields in struct order,
 * `omitempty` fields left out when empty, nil pointers, slices and maps as null otherwise, structs
 * always written, map keys sorted, bytes in base64.
 */
function toJson(message: MessageSpec, values: Collected, where: Where): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of message.fields) {
    const v = values.get(spec);
    const child = inside(where, spec.name);
    let json: unknown;
    if (spec.type === 'time') {
      if (v === undefined && spec.pointer) json = undefined;
      else json = timeJson(v as Collected | undefined, where, spec);
    } else if (spec.type === 'fieldsV1') {
      json = (v as { json: unknown } | undefined)?.json;
    } else if (spec.repeated || spec.type === 'map<string,string>' || spec.type === 'map<string,bytes>') {
      if (v === undefined) json = undefined;
      else if (v instanceof Map) {
        const entries = [...(v as Map<string, string | Buffer>).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        json = Object.fromEntries(entries.map(([k, x]) => [k, typeof x === 'string' ? x : x.toString('base64')]));
      } else if (typeof spec.type === 'object') {
        json = (v as Collected[]).map((item, i) => toJson(spec.type as MessageSpec, item, { subject: where.subject, path: `${child.path}[${i}]` }));
      } else json = [...(v as string[])];
    } else if (typeof spec.type === 'object') {
      if (v === undefined && spec.pointer) json = undefined;
      else json = toJson(spec.type, (v as Collected | undefined) ?? new Map(), child);
    } else {
      json = v === undefined ? (spec.pointer ? undefined : zeroOf(spec)) : scalarJson(spec, v as bigint | string | Buffer);
      if (!spec.pointer && spec.omitEmpty && isZero(json)) continue;
    }
    if (json === undefined) {
      if (!spec.omitEmpty) out[spec.name] = null;
      continue;
    }
    out[spec.name] = json;
  }
  return out;
}

/** The kinds whose protobuf bodies this server decodes (for messages). */
export const PROTOBUF_DECODED_KINDS: readonly string[] = Object.keys(PROTOBUF_KINDS);

function unsupportedKind(kind: string, apiVersion: string): ApiServerError {
  return new ApiServerError(
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - ${kind} ${apiVersion} was sent as ${PROTOBUF_MEDIA_TYPE}, which this server decodes only for ${PROTOBUF_DECODED_KINDS.join(', ')} - accepted media types for ${kind} include: application/json, application/yaml`,
  );
}

function kindSpec(kind: string, apiVersion: string): ProtobufKind {
  const spec = Object.hasOwn(PROTOBUF_KINDS, kind) ? PROTOBUF_KINDS[kind] : undefined;
  if (!spec || (spec.apiVersions !== 'any' && !spec.apiVersions.includes(apiVersion))) throw unsupportedKind(kind, apiVersion);
  return spec;
}

/**
 * Decodes a Kubernetes protobuf request body (`k8s\0` + runtime.Unknown wrapping the object) into
 * the JSON object a client sending JSON would have sent: `kind` and `apiVersion` from the envelope,
 * then the object's fields as Go's encoding/json writes them (bytes in base64, maps, `omitempty`
 * fields left out, zero times as null). Unknown fields are skipped, as protobuf does.
 *
 * @throws ApiServerError `BadRequest` for a malformed body (naming the field path and the byte
 *   offset in the body where it broke), `UnsupportedMediaType` for a kind without a field table here
 *   (naming the kind), a content encoding, or a protobuf group.
 */
export function decodeProtobufBody(body: Buffer): Record<string, unknown> {
  const envelope: Where = { subject: `${PROTOBUF_MEDIA_TYPE} body`, path: '' };
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new ApiServerError('BadRequest', `${envelope.subject}: at byte 0: the body does not start with the Kubernetes protobuf prefix "k8s\\x00" (got ${JSON.stringify(body.subarray(0, MAGIC.length).toString('latin1'))})`);
  }
  // runtime.Unknown: typeMeta = 1, raw = 2, contentEncoding = 3, contentType = 4.
  const typeMeta: Collected = new Map();
  let raw = { start: body.length, end: body.length };
  let encoding = '';
  for (const f of wireFields(body, MAGIC.length, body.length, envelope)) {
    if (f.no < 1 || f.no > 4) continue;
    const name = ['typeMeta', 'raw', 'contentEncoding', 'contentType'][f.no - 1] as string;
    if (f.wire !== LEN) throw malformed(envelope, f.offset, `wire type ${WIRE_NAMES[f.wire] ?? f.wire} where a length-delimited value was expected (field ${f.no})`, name);
    if (f.no === 1) collect(TYPE_META, body, f.start, f.end, { subject: envelope.subject, path: name }, typeMeta);
    else if (f.no === 2) raw = { start: f.start, end: f.end };
    else if (f.no === 3) encoding = utf8(body, f);
  }
  const [apiVersionField, kindField] = TYPE_META.fields as [FieldSpec, FieldSpec];
  const apiVersion = (typeMeta.get(apiVersionField) as string | undefined) ?? '';
  const kind = (typeMeta.get(kindField) as string | undefined) ?? '';
  if (kind === '') throw new ApiServerError('BadRequest', `${envelope.subject}: typeMeta.kind: the envelope names no kind (apiVersion ${JSON.stringify(apiVersion)})`);
  if (encoding !== '') {
    throw new ApiServerError(
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - ${kind} ${apiVersion} was sent with content encoding ${JSON.stringify(encoding)}, which this server does not decode - accepted media types include: application/json, application/yaml`,
    );
  }
  const spec = kindSpec(kind, apiVersion);
  const where: Where = { subject: `${kind} ${apiVersion} (protobuf)`, path: '' };
  const values = collect(spec.message, body, raw.start, raw.end, where, new Map());
  return { kind, apiVersion, ...toJson(spec.message, values, where) };
}
