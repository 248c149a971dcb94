import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/api-types */
export const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The repository's root. */
export const repoRoot = path.resolve(packageDir, '../..');
/** Fixtures of this package. */
export const fixturesDir = path.join(packageDir, 'test/fixtures');
/**
 * The original Sedna's sample objects (never copied into the repo): `SEDNA_REFERENCE_SAMPLES` when set,
 * else `../shared/reference/sedna/crd-samples` beside the checkout, where CI has them.
 */
export const referenceSamplesDir = path.resolve(process.env.SEDNA_REFERENCE_SAMPLES || path.join(repoRoot, '../shared/reference/sedna/crd-samples'));
