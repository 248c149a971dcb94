/**
 * Parsing of YAML or JSON text with one or more documents into plain values that remember where each of
 * their fields is in the text. YAML 1.2 (the `yaml` package), so `start: 02:00` stays a string; duplicate
 * keys, syntax errors and documents over the size limit are reported as issues with their position.
 * Nothing throws.
 */
import { Composer, LineCounter, Parser, isNode, type Document } from 'yaml';
import { MAX_DOCUMENT_BYTES } from './constants.js';
import type { SourcePosition, ValidationIssue } from './issues.js';

/** A document parsed from text. */
export interface SourceDocument {
  /** 0-based index among the non-empty documents of the text. */
  index: number;
  /** The document as plain JSON-like data. */
  value: unknown;
  /** Where the document starts. */
  start: SourcePosition;
  /** Size of the document's text in UTF-8 bytes. */
  bytes: number;
  /** Where the field at `path` is (its value), or undefined when the document has no such field. */
  locate(path: ReadonlyArray<string | number>): SourcePosition | undefined;
}

/** Outcome of {@link parseDocuments}: the documents that parsed, and issues for those that did not. */
export interface ParseResult {
  documents: SourceDocument[];
  issues: ValidationIssue[];
}

/** Options of {@link parseDocuments}. */
export interface ParseOptions {
  /** Largest document accepted, in bytes; default {@link MAX_DOCUMENT_BYTES} (3 MiB). */
  maxDocumentBytes?: number;
}

/** A document marker at the start of a line ends any document, even inside a block scalar (YAML 1.2, 9.1). */
const DOCUMENT_MARKER = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;

interface Segment {
  text: string;
  offset: number;
  line: number;
}

/** Cuts the text at document markers, so a document's size is known before parsing it. */
function segments(text: string): Segment[] {
  const starts = [0];
  for (const m of text.matchAll(DOCUMENT_MARKER)) if (m.index !== 0) starts.push(m.index);
  const out: Segment[] = [];
  let line = 1;
  let lineCountedTo = 0;
  for (let i = 0; i < starts.length; i++) {
    const offset = starts[i]!;
    for (let j = lineCountedTo; j < offset; j++) if (text.charCodeAt(j) === 10) line++;
    lineCountedTo = offset;
    out.push({ text: text.slice(offset, starts[i + 1] ?? text.length), offset, line });
  }
  return out;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

function isBlank(text: string): boolean {
  // Only markers, comments and whitespace: an empty document, which kubectl skips too.
  return text.split('\n').every((l) => /^\s*(#.*)?$/.test(l) || /^(---|\.\.\.)\s*(#.*)?$/.test(l.trimEnd()));
}

/**
 * How deep `[` and `{` may nest in a document. The YAML parser recurses once per level: deeper, it
 * overflowed the stack, and at times V8 aborted the whole process ("RegExpCompiler Allocation failed")
 * instead of throwing, so `sedna validate` crashed on a crafted document (found by the fault suite's
 * mutated documents). Real objects nest a few dozen levels.
 */
const MAX_FLOW_DEPTH = 500;

/**
 * The offset where `[`/`{` nesting first goes past {@link MAX_FLOW_DEPTH}, outside quoted scalars and
 * comments, or undefined. A block scalar holding brackets may be counted too; past 500 open ones the
 * document is refused all the same.
 */
function tooDeepFlowAt(text: string): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === "'") {
      for (i++; i < text.length; i++) if (text[i] === "'" && text[++i] !== "'") break;
      i--;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] as string))) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_FLOW_DEPTH) return i;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
}

function issue(message: string, position: SourcePosition, documentIndex: number, code: 'syntax' | 'too-large'): ValidationIssue {
  return { code, kind: '', namespace: '', name: '', path: '', value: undefined, message, position, documentIndex };
}

/**
 * Parses YAML or JSON text holding one or more documents (`---` separated). Empty documents are skipped.
 * Each document is parsed on its own, so one broken or oversized document does not hide the others.
 *
 * @example
 * const { documents, issues } = parseDocuments(fs.readFileSync('job.yaml', 'utf8'));
 * documents[0]?.locate(['spec', 'dataset', 'trainProb']) // { line: 9, col: 16, offset: 171 }
 */
export function parseDocuments(text: string, options: ParseOptions = {}): ParseResult {
  const max = options.maxDocumentBytes ?? MAX_DOCUMENT_BYTES;
  const documents: SourceDocument[] = [];
  const issues: ValidationIssue[] = [];
  let index = 0;
  for (const seg of segments(text)) {
    const bytes = Buffer.byteLength(seg.text, 'utf8');
    const start: SourcePosition = { line: seg.line, col: 1, offset: seg.offset };
    if (bytes > max) {
      issues.push(
        issue(`document ${index + 1} is ${formatBytes(bytes)}, larger than the ${formatBytes(max)} limit of a Kubernetes object`, start, index, 'too-large'),
      );
      index++;
      continue;
    }
    if (isBlank(seg.text)) continue;
    const deep = tooDeepFlowAt(seg.text);
    if (deep !== undefined) {
      const before = seg.text.slice(0, deep);
      const line = seg.line + (before.match(/\n/g)?.length ?? 0);
      const col = deep - before.lastIndexOf('\n');
      issues.push(issue(`document ${index + 1} nests collections deeper than ${MAX_FLOW_DEPTH} levels`, { line, col, offset: seg.offset + deep }, index, 'too-large'));
      index++;
      continue;
    }
    const parsed = parseSegment(seg, index, issues);
    if (parsed) documents.push({ ...parsed, bytes });
    index++;
  }
  return { documents, issues };
}

function parseSegment(seg: Segment, index: number, issues: ValidationIssue[]): Omit<SourceDocument, 'bytes'> | undefined {
  const lineCounter = new LineCounter();
  const position = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line: seg.line + line - 1, col, offset: seg.offset + offset };
  };
  try {
    const parser = new Parser(lineCounter.addNewLine);
    const composer = new Composer({ prettyErrors: false, uniqueKeys: true, merge: true, strict: true });
    const docs: Document.Parsed[] = [...composer.compose(parser.parse(seg.text))];
    const errorsBefore = issues.length;
    for (const doc of docs) {
      for (const err of doc.errors) {
        const detail = err.code === 'DUPLICATE_KEY' ? `duplicate key: ${err.message}` : err.message;
        issues.push(issue(`YAML: ${detail.split('\n')[0]}`, position(err.pos[0]), index, 'syntax'));
      }
    }
    if (issues.length > errorsBefore) return undefined;
    const doc = docs.find((d) => d.contents !== null);
    if (!doc) return undefined;
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    return {
      index,
      value,
      start: position(doc.range[0]),
      locate(path) {
        const node: unknown = path.length === 0 ? doc.contents : doc.getIn(path, true);
        if (!isNode(node) || !node.range) return undefined;
        return position(node.range[0]);
      },
    };
  } catch (error) {
    // toJS throws on alias bombs and the like; report, never throw.
    const message = error instanceof Error ? error.message : String(error);
    issues.push(issue(`YAML: ${message.split('\n')[0]}`, { line: seg.line, col: 1, offset: seg.offset }, index, 'syntax'));
    return undefined;
  }
}
