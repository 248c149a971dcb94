/**
 * The configuration of `sedna up`'s Local Controller: what the LC's own environment variables say (read
 * by the LC's reader, `settingsFromEnv`, as a standalone LC reads them), with only what `sedna up` must
 * decide itself set over them.
 */
import type { LocalControllerConfig } from '@sedna-ts/local-controller';

/** What `sedna up` decides for its LC. */
export interface UpLcSettings {
  node: string;
  gmUrl: string;
  nodeToken: string;
  /** The LC's folder inside the data folder. */
  dataDir: string;
  /** The data folder: never read as data (it holds the GM's secret and the tokens). */
  upDataDir: string;
  /** `--data-root` folders (absolute), when given. */
  dataRoots?: readonly string[];
  /** `--lc-port`, when given. */
  port?: number;
  /** The images the node agent runs as local processes. */
  localImages: readonly string[];
  env: NodeJS.ProcessEnv;
  logger: LocalControllerConfig['logger'];
}

/**
 * The LC config of `sedna up`. From the environment (`fromEnv`, the LC's `settingsFromEnv`):
 * `SEDNA_LC_METRICS_ADDRESS`, `SEDNA_LC_HARD_EXAMPLES_MAX_COUNT`/`_MAX_BYTES`, `SEDNA_LC_TIME_ZONE`,
 * `SEDNA_LC_ROUND_RETENTION`, `SEDNA_LC_POLL_SECONDS`, `SEDNA_LC_READ_TIMEOUT_SECONDS`,
 * `SEDNA_LC_DATA_ROOTS` (unless `--data-root`), `BIND_ADDRESS`, `BIND_PORT` (unless `--lc-port`; else any
 * free port), `SEDNA_LC_ADVERTISE_URL`, the hot-update and hard-example roots. Set by `sedna up` whatever
 * the environment says: the node, the GM and the token (`GM_ADDRESS`, `NODENAME`, `SEDNA_NODE_TOKEN`,
 * `SEDNA_LC_TOKEN_FILE` are not read), the LC's folder in the data folder (`SEDNA_LC_DATA_DIR`), the
 * data folder refused as data, no host root (`ROOTFS_MOUNT_DIR`: its workers run on this host), the
 * local images.
 *
 * @example
 * upLcConfig(settingsFromEnv(process.env), { node: 'edge-node', gmUrl, nodeToken, dataDir, upDataDir, localImages: [], env: process.env, logger });
 */
export function upLcConfig(fromEnv: Partial<LocalControllerConfig>, up: UpLcSettings): LocalControllerConfig {
  const { tokenFile: _tokenFile, hostRoot: _hostRoot, ...settings } = fromEnv;
  return {
    ...settings,
    nodeName: up.node,
    gmUrl: up.gmUrl,
    nodeToken: up.nodeToken,
    dataDir: up.dataDir,
    hostRoot: '',
    // A Dataset must not make the LC copy the GM's secret or the kubeconfig into a round file.
    deniedRoots: [{ path: up.upDataDir, why: 'the data dir of sedna up, which holds its secrets' }],
    ...(up.dataRoots ? { dataRoots: [...up.dataRoots] } : {}),
    port: up.port ?? settings.port ?? 0,
    // S3 settings of Datasets whose index is in S3 (S3_ENDPOINT_URL, ACCESS_KEY_ID, SECRET_ACCESS_KEY).
    s3Env: up.env,
    // The node agent runs workers as processes: the GM says which of a job's images cannot run here.
    localImages: [...up.localImages],
    logger: up.logger,
  };
}
