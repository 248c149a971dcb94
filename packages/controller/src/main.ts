/**
 * `sedna-gm`: runs a Global Manager on its own, as the original `sedna-gm --config <file>`. The
 * configuration comes from the file and the environment (SEDNA_GM_SECRET, SEDNA_GM_PORT, ...); the
 * process runs until SIGTERM or SIGINT, then stops cleanly.
 */
import { parseArgs } from 'node:util';
import { loadConfigFile, type GlobalManagerConfig } from './config.js';
import { ControllerError } from './errors.js';
import { startGlobalManager, type GlobalManager } from './gm/globalManager.js';
import { VERSION } from './version.js';

/** The text of `sedna-gm --help`. */
export const USAGE = `Usage: sedna-gm [--config FILE]

Runs the sedna-ts Global Manager against the Kubernetes API of the kubeconfig
(in-cluster, $KUBECONFIG or ~/.kube/config unless the file names one).

Options:
  --config FILE   YAML or JSON configuration (fields below)
  --help          this text
  --version       the version

Configuration (file field / environment, default):
  kubeConfig                      path of a kubeconfig          (in-cluster, $KUBECONFIG, ~/.kube/config)
  namespace / SEDNA_GM_NAMESPACE  watch one namespace           (all)
  websocket.address / SEDNA_GM_ADDRESS                          (0.0.0.0)
  websocket.port / SEDNA_GM_PORT  0 = ephemeral                 (9000)
  secret / SEDNA_GM_SECRET        node tokens are derived from it, >= 16 characters (required)
  reportGraceSeconds / SEDNA_GM_REPORT_GRACE_SECONDS  a report after its pod ended, 0 = none (60)
  startDeadlineSeconds, deployConfirmSeconds  a pod to start, a deploy's confirmation, 0 = none (600, 600)
    (a job's annotation sedna.io/deadlines overrides the three: {"starting":"5m","reportAfterPodEnded":"30s","deployConfirmation":"20m"})
  retry.maxAttempts, retry.initialBackoffSeconds, retry.maxBackoffSeconds   (4, 10, 300)
  retry.initialBackoffSeconds / SEDNA_GM_RETRY_INITIAL_BACKOFF_SECONDS  first retry delay of a failed stage
  backoff.initialMs, backoff.maxMs          reconcile retries   (1000, 300000)
  watchBackoff.initialMs, watchBackoff.maxMs  watch restarts    (1000, 30000)
  maxConditions (200), podRetentionRounds (10), concurrency (4), startTimeoutSeconds (60)
  storageInitializer.image / SEDNA_GM_STORAGE_INITIALIZER_IMAGE (sedna-ts/storage-initializer:0.1)
  storageInitializer.resources    init container requests/limits (cpu 1, memory 1Gi)
  workerDefaultRequests           requests of worker containers that set none (cpu 100m, memory 256Mi)
  leaderElection.enabled / SEDNA_GM_LEADER_ELECT                (true)
  leaderElection.namespace / SEDNA_GM_LEASE_NAMESPACE  (POD_NAMESPACE, in-cluster namespace, namespace, default)
  leaderElection.name / SEDNA_GM_LEASE_NAME                     (sedna-gm)
  leaderElection.identity / SEDNA_GM_IDENTITY   unique per replica (<POD_NAME or host name>_<random>)
  leaderElection.leaseDurationSeconds, renewDeadlineSeconds, retryPeriodSeconds  (15, 10, 2)
  serviceAccountAuth.enabled / SEDNA_GM_SA_AUTH   LCs may prove their node by ServiceAccount token (true)
  serviceAccountAuth.audience / SEDNA_GM_TOKEN_AUDIENCE          (sedna-gm)
  serviceAccountAuth.serviceAccounts / SEDNA_GM_LC_SERVICE_ACCOUNTS  namespace/name, comma-separated
                                  (<GM namespace>/sedna-lc)
  SEDNA_LOG_LEVEL                 pino level                    (info)
  LOG_LEVEL                       deprecated: the level when SEDNA_LOG_LEVEL is not set
`;

/** Where `main` writes and how it exits; replaced in tests. */
export interface MainIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Resolves when the process is asked to stop (SIGTERM, SIGINT). */
  stopSignal: () => Promise<void>;
}

const defaultIo: MainIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stopSignal: () =>
    new Promise((resolve) => {
      process.once('SIGTERM', () => resolve());
      process.once('SIGINT', () => resolve());
    }),
};

/**
 * Runs the standalone Global Manager with command-line arguments (without `node` and the script).
 * Resolves with the exit code: 0 after a clean stop, 1 for a bad configuration or a failed start,
 * 2 for bad usage.
 */
export async function main(argv: readonly string[], io: MainIo = defaultIo): Promise<number> {
  let values: { config?: string; help?: boolean; version?: boolean };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { config: { type: 'string' }, help: { type: 'boolean' }, version: { type: 'boolean' } }, strict: true }));
  } catch (error) {
    io.stderr(`sedna-gm: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (values.version) {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  let gm: GlobalManager;
  try {
    const config: GlobalManagerConfig = values.config ? loadConfigFile(values.config) : {};
    gm = await startGlobalManager(config);
  } catch (error) {
    io.stderr(`sedna-gm: ${error instanceof ControllerError ? error.message : String(error)}\n`);
    return 1;
  }
  await io.stopSignal();
  await gm.stop();
  return 0;
}
