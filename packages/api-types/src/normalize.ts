/** Normalisation of any document of the older form, validating it on the way. */
import { ApiTypesError } from './errors.js';
import { isLegacyObject } from './legacy.js';
import type { SednaObject } from './objects.js';
import { validateDocument } from './validate.js';

/**
 * Brings a document of the older form (`edgeai.io/v1alpha1`) to the sedna.io form: an
 * IncrementalLearningJob's workerSpecs become pod templates, other kinds only change their apiVersion.
 * Any other document comes back as it is (the same reference). Pure: the input is never changed.
 *
 * @throws ApiTypesError `INVALID_OBJECT` when the document of the older form is not valid; its issues say why.
 */
export function normalizeLegacyObject(doc: unknown): unknown {
  if (!isLegacyObject(doc)) return doc;
  const result = validateDocument(doc);
  if (!result.valid) throw ApiTypesError.fromIssues('INVALID_OBJECT', result.issues);
  return result.object satisfies SednaObject;
}
