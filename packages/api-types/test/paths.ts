import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/api-types */
export const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The repository's root. */
export const repoRoot = path.resolve(packageDir, '../..');
/** Fixtures of this package. */
export const fixturesDir = path.join(packageDir, 'test/fixtures');
/** The original Sedna's sample objects, which CI has beside the checkout (never copied into the repo). */
export const referenceSamplesDir = path.resolve(repoRoot, '../shared/reference/sedna/crd-samples');
