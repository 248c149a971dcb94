/** The messages between the LC and its dataset reader processes (readerPool.ts, readerProcess.ts). */
import { type RootsConfig } from './dataRoots.js';
import { type IndexCursor, type IndexFormat, type IndexRead, type LineChecks } from './indexReader.js';

/** One read of an index, as `readIndex` does it, through the LC's checked opener. */
export interface ReadRequest {
  /** The index as the LC sees it. */
  path: string;
  /** The object, field and value the opener's refusals name (`Dataset default/ds: spec.url: "/d/i.txt"`). */
  subject: string;
  /** The index is the LC's own copy of an index in S3. */
  ownCopy: boolean;
  roots: RootsConfig;
  format: IndexFormat;
  cursor: IndexCursor;
  maxBytes?: number;
  checks?: LineChecks;
}

/** LC to reader. */
export interface ReaderMessage {
  id: number;
  request: ReadRequest;
}

/** Reader to LC: it is ready (once, first), a step of a read begins, or a read ended. */
export type ReaderReply = { ready: true } | { id: number; step: string } | { id: number; result: IndexRead } | { id: number; error: string };
