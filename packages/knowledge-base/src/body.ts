/**
 * Reading request bodies with a limit: a whole small body (a JSON index, a status change), or one part
 * of a multipart form (busboy), streamed to whoever consumes it. Over the limit is `TOO_LARGE`; a
 * malformed form is `INVALID_INPUT`. A consumer that fails stops the parsing at once.
 */
import type { IncomingMessage } from 'node:http';
import { Readable, Transform } from 'node:stream';
import busboy from 'busboy';
import { KnowledgeBaseError, errorMessage } from './errors.js';

/** Room for a multipart form's boundaries and part headers around a part of the largest size. */
const MULTIPART_OVERHEAD = 64 * 1024;

/** The media type of a Content-Type header, lower case, without parameters (`''` when absent). */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function tooLarge(what: string, limit: number): KnowledgeBaseError {
  return new KnowledgeBaseError('TOO_LARGE', `${what} is larger than ${limit} bytes, the limit`);
}

/** Refuses at once a body whose Content-Length says it is over `limit` (plus `overhead`). */
function checkDeclaredLength(req: IncomingMessage, what: string, limit: number, overhead = 0): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit + overhead) throw tooLarge(what, limit);
}

/**
 * The whole body, up to `limit` bytes.
 *
 * @throws KnowledgeBaseError `TOO_LARGE` naming `what`, as soon as the limit is passed.
 */
export async function readWholeBody(req: IncomingMessage, what: string, limit: number): Promise<Buffer> {
  checkDeclaredLength(req, what, limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(what, limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** The part of a form a route reads. */
export interface FormPart {
  /** The file name the client gave (raw, path kept), for a file part. */
  filename: string | undefined;
  /** The part's own Content-Type. */
  mimeType: string;
  /** Its bytes; ends early with an error when the form is cut or over the limit. */
  stream: Readable;
}

/**
 * Reads the multipart form of `req` for its part named `field` (a file part, or a plain field for
 * clients that send the index as text) and resolves with what `consume` made of it, once the whole form
 * is read. Other parts are skipped.
 *
 * @throws KnowledgeBaseError `UNSUPPORTED_MEDIA_TYPE` (not multipart/form-data), `INVALID_INPUT` (a
 *   malformed form, no part `field`), `TOO_LARGE` (the part over `limit` bytes), or what `consume` threw.
 */
export function readFormPart<T>(req: IncomingMessage, field: string, limit: number, consume: (part: FormPart) => Promise<T>): Promise<T> {
  checkDeclaredLength(req, `multipart field ${JSON.stringify(field)}`, limit, MULTIPART_OVERHEAD);
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, preservePath: true, limits: { fileSize: limit + 1, fieldSize: limit, parts: 16 } });
  } catch (error) {
    throw new KnowledgeBaseError('INVALID_INPUT', `Content-Type: ${JSON.stringify(req.headers['content-type'] ?? '')}: ${errorMessage(error)}`, { cause: error });
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let consumed: Promise<T> | undefined;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      // The part's stream is destroyed with the parser, so a consumer writing it to disk stops and cleans up.
      parser.destroy();
      const after = consumed ?? Promise.resolve();
      void after.then(
        () => reject(error),
        () => reject(error),
      );
    };
    const take = (part: FormPart): void => {
      consumed = consume(part);
      consumed.catch(fail);
    };
    parser.on('file', (name, stream, info) => {
      if (name !== field || consumed || settled) {
        stream.resume();
        return;
      }
      // busboy stops a part one byte past the limit (limits.fileSize) and ends it as if whole: the
      // counter makes that byte an error, so the consumer never takes a cut part for the file.
      let size = 0;
      const counted = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          size += chunk.length;
          done(size > limit ? tooLarge(`multipart field ${JSON.stringify(field)}`, limit) : null, chunk);
        },
      });
      stream.on('error', (error) => counted.destroy(error));
      take({ filename: info.filename, mimeType: info.mimeType, stream: stream.pipe(counted) });
    });
    parser.on('field', (name, value, info) => {
      if (name !== field || consumed || settled) return;
      if (info.valueTruncated) {
        fail(tooLarge(`multipart field ${JSON.stringify(field)}`, limit));
        return;
      }
      take({ filename: undefined, mimeType: info.mimeType, stream: Readable.from([Buffer.from(value, 'utf8')]) });
    });
    parser.on('error', (error: unknown) => fail(new KnowledgeBaseError('INVALID_INPUT', `multipart body: ${errorMessage(error)}`, { cause: error })));
    parser.on('close', () => {
      if (settled) return;
      if (!consumed) {
        fail(new KnowledgeBaseError('INVALID_INPUT', `multipart body: no field ${JSON.stringify(field)}`));
        return;
      }
      consumed.then(
        (value) => {
          if (settled) return;
          settled = true;
          resolve(value);
        },
        fail,
      );
    });
    req.on('error', (error) => fail(new KnowledgeBaseError('INVALID_INPUT', `request body: ${errorMessage(error)}`, { cause: error })));
    req.pipe(parser);
  });
}

/** All of a part's bytes, up to `limit` (the parser enforces it; this guards a plain field too). */
export async function partBytes(part: FormPart, what: string, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of part.stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(what, limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
