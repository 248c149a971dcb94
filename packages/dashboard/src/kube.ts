/**
 * The Kubernetes API as the signed-in user: a KubeConfig with the cluster of the dashboard's own
 * configuration (server and CA) and the user's bearer token, never the dashboard's credentials.
 */
import { AuthorizationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, type Cluster } from '@kubernetes/client-node';

/** The API group of the Sedna kinds. */
export const SEDNA_GROUP = 'sedna.io';
export const SEDNA_VERSION = 'v1alpha1';

/** The learning job kinds the dashboard shows: lower-case plural, Kind, short path name. */
export const JOB_KINDS = [
  { plural: 'incrementallearningjobs', kind: 'IncrementalLearningJob', lower: 'incrementallearningjob' },
  { plural: 'lifelonglearningjobs', kind: 'LifelongLearningJob', lower: 'lifelonglearningjob' },
] as const;

/** One of {@link JOB_KINDS}. */
export type JobKind = (typeof JOB_KINDS)[number];

/** The job kind of a plural (as in the dashboard's paths), or undefined. */
export function jobKind(plural: string): JobKind | undefined {
  return JOB_KINDS.find((k) => k.plural === plural);
}

/** The cluster (server, CA, TLS verification) of a kubeconfig, without its users. */
export function clusterOf(kubeConfig: KubeConfig): Cluster {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  return cluster;
}

/** A KubeConfig for `cluster` that authenticates as the bearer of `token` and nothing else. */
export function userKubeConfig(cluster: Cluster, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ ...cluster, name: 'cluster' }],
    users: [{ name: 'user', token }],
    contexts: [{ name: 'user', cluster: 'cluster', user: 'user' }],
    currentContext: 'user',
  });
  return kc;
}

/** The API clients of one user. */
export interface UserApi {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  authorization: AuthorizationV1Api;
}

/** The API clients that act as the bearer of `token`. */
export function userApi(cluster: Cluster, token: string): UserApi {
  const kubeConfig = userKubeConfig(cluster, token);
  return { kubeConfig, core: kubeConfig.makeApiClient(CoreV1Api), custom: kubeConfig.makeApiClient(CustomObjectsApi), authorization: kubeConfig.makeApiClient(AuthorizationV1Api) };
}

/** The HTTP status of an error of client-node (its `code`), or undefined. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown; statusCode?: unknown } | undefined)?.code ?? (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

function messageIn(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body) as unknown;
    } catch {
      return undefined;
    }
  }
  const message = (parsed as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message ? message : undefined;
}

/**
 * What to tell a user about an error of the Kubernetes API: the message of its Status body (`pods is
 * forbidden: User "x" cannot list ...`), not client-node's dump (`HTTP-Code: 403 Message: Unknown API
 * Status Code! Body: "{...}" Headers: ...`); else the error's first line.
 */
export function messageOf(error: unknown): string {
  const fromBody = messageIn((error as { body?: unknown } | null)?.body);
  if (fromBody) return fromBody;
  const text = error instanceof Error ? error.message : String(error);
  const quoted = /Body: ("(?:[^"\\]|\\.)*")/.exec(text)?.[1];
  if (quoted) {
    try {
      const fromDump = messageIn(JSON.parse(quoted) as unknown);
      if (fromDump) return fromDump;
    } catch {
      // not a quoted JSON string: the first line below
    }
  }
  const code = statusOf(error);
  const first = text.split('\n')[0]?.trim() ?? '';
  return code !== undefined && /^HTTP-Code:/.test(first) ? `the API server answered ${code}` : first;
}

/**
 * Whether `token` authenticates at the API server: a SelfSubjectAccessReview needs no permission, only
 * a valid token (401 otherwise).
 */
export async function tokenAuthenticates(cluster: Cluster, token: string): Promise<boolean> {
  try {
    await userApi(cluster, token).authorization.createSelfSubjectAccessReview({
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { group: SEDNA_GROUP, resource: 'incrementallearningjobs', verb: 'list' } } },
    });
    return true;
  } catch (error) {
    if (statusOf(error) === 401) return false;
    throw error;
  }
}
