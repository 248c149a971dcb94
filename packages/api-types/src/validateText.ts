/** Parse and validate in one go: what the CLI and the API server's YAML/JSON input need. */
import type { ValidationIssue } from './issues.js';
import type { SednaObject } from './objects.js';
import { parseDocuments, type ParseOptions } from './parse.js';
import { validateDocument } from './validate.js';

/** Outcome of {@link validateText}. */
export interface TextValidation {
  /** The valid objects in text order, in the sedna.io form (documents of the older form normalised). */
  objects: SednaObject[];
  /** Every problem: syntax and size issues of the text, then the issues of each invalid object. */
  issues: ValidationIssue[];
  /** How many objects the text holds, valid or not (items of a `kind: List` count one each). */
  count: number;
  /** Those of `objects` that were written in the older form (`edgeai.io/v1alpha1`) and normalised. */
  legacy: SednaObject[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A `kind: List` (or `<Kind>List`) as kubectl prints it: its items are the objects. */
function listItems(value: unknown): unknown[] | undefined {
  if (!isObject(value) || typeof value.kind !== 'string' || !value.kind.endsWith('List') || !Array.isArray(value.items)) return undefined;
  return value.items;
}

/**
 * Parses YAML or JSON text with one or more documents and validates each as a Sedna object. Items of a
 * `kind: List` are validated one by one. Never throws.
 *
 * @example
 * const { objects, issues } = validateText(fs.readFileSync('job.yaml', 'utf8'));
 * for (const issue of issues) console.error(`job.yaml: ${formatIssue(issue)}`);
 */
export function validateText(text: string, options: ParseOptions = {}): TextValidation {
  const { documents, issues } = parseDocuments(text, options);
  const objects: SednaObject[] = [];
  const legacy: SednaObject[] = [];
  let count = new Set(issues.map((i) => i.documentIndex)).size;
  for (const doc of documents) {
    const items = listItems(doc.value);
    const entries = items
      ? items.map((item, i) => ({ value: item, prefix: ['items', i] as Array<string | number> }))
      : [{ value: doc.value, prefix: [] as Array<string | number> }];
    for (const entry of entries) {
      count++;
      const result = validateDocument(entry.value, {
        documentIndex: doc.index,
        locate: (path) => doc.locate([...entry.prefix, ...path]),
      });
      if (result.valid) {
        objects.push(result.object);
        if (result.legacy) legacy.push(result.object);
      } else {
        issues.push(...result.issues);
      }
    }
  }
  return { objects, issues, count, legacy };
}
