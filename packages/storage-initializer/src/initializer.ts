/** The init container's whole run: every pair of the arguments, in order. */
import { createContext, type DownloadOptions } from './context.js';
import { type DownloadPair, parseInitializerArgs } from './contract.js';
import { downloadWith } from './download.js';
import { indirectDownloadWith } from './indirect.js';

/** What one pair did. */
export interface PairResult extends DownloadPair {
  files: number;
  bytes: number;
  /** Indirect pairs only: index lines whose files did not exist (skipped). */
  missing: string[];
}

/** What a run did. */
export interface InitializerSummary {
  pairs: PairResult[];
  files: number;
  bytes: number;
}

/**
 * Runs the init container's work: `args` is the original's flat list `[src1, dst1, src2, dst2, ...]`,
 * a destination starting with the indirect mark (`INDIRECT_URL_MARK`, `@` by default) being an index
 * file download. Pairs run in order; the first failure stops the run.
 *
 * @throws StorageInitializerError (`USAGE` for wrong arguments or environment), credentials masked.
 * @example
 * const summary = await runInitializer(['s3://models/helmet/model.onnx', '/downloads/models/helmet',
 *   '/data/helmet/dataIndex.txt', '@/downloads/datasets/helmet'], { env: process.env });
 * console.log(`${summary.files} files, ${summary.bytes} bytes`);
 */
export async function runInitializer(args: readonly string[], options: DownloadOptions = {}): Promise<InitializerSummary> {
  const context = createContext(options);
  let pairs: DownloadPair[];
  try {
    pairs = parseInitializerArgs(args, context.config.indirectMark);
  } catch (error) {
    throw context.wrap(error, '', 'arguments');
  }
  const summary: InitializerSummary = { pairs: [], files: 0, bytes: 0 };
  for (const [i, pair] of pairs.entries()) {
    const started = Date.now();
    const label = `[${i + 1}/${pairs.length}] ${pair.source} -> ${pair.destination}${pair.indirect ? ' (indirect: index file)' : ''}`;
    context.log.info(label);
    const result = pair.indirect
      ? await indirectDownloadWith(context, pair.source, pair.destination)
      : { ...(await downloadWith(context, pair.source, pair.destination)), missing: [] };
    context.log.info(`[${i + 1}/${pairs.length}] done: ${result.files} file(s), ${result.bytes} bytes in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    summary.pairs.push({ ...pair, ...result });
    summary.files += result.files;
    summary.bytes += result.bytes;
  }
  return summary;
}
