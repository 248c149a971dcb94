/**
 * How a Local Controller on a cluster proves its node: it presents its projected ServiceAccount token
 * (audience `sedna-gm`, bound to its pod). The GM asks the API server about the token (TokenReview,
 * authentication.k8s.io/v1), takes the bound pod from the review's extra
 * `authentication.kubernetes.io/pod-name` and `pod-uid`, reads that pod and accepts the LC only when the
 * pod runs on the node the LC claims, so one LC cannot speak for another. On success the LC is told its
 * node token (HMAC of the GM secret) in the GM hello, from which it derives its workers' tokens.
 */
import { AuthenticationV1Api, CoreV1Api, type KubeConfig, type V1TokenReviewStatus } from '@kubernetes/client-node';
import type { GmLogger } from '../config.js';
import { describeError, httpStatusOf } from '../errors.js';

/** Extra keys a bound ServiceAccount token carries in its TokenReview. */
export const POD_NAME_EXTRA = 'authentication.kubernetes.io/pod-name';
export const POD_UID_EXTRA = 'authentication.kubernetes.io/pod-uid';
/** Newer API servers add the node of the bound pod too. */
export const NODE_NAME_EXTRA = 'authentication.kubernetes.io/node-name';
/** The audience an LC's projected token must have. */
export const DEFAULT_TOKEN_AUDIENCE = 'sedna-gm';

const SERVICE_ACCOUNT_USER = /^system:serviceaccount:([^:]+):([^:]+)$/;

/** Settings of the ServiceAccount path. */
export interface TokenReviewSettings {
  /** Whether LCs may authenticate with a ServiceAccount token at all. */
  enabled: boolean;
  /** The audience the token must be issued for. */
  audience: string;
  /** The ServiceAccounts LCs run as, `namespace/name`. */
  serviceAccounts: readonly string[];
  /** Reviews in flight at most; more LCs at once are asked to come back (503). */
  maxInFlight: number;
}

/** The result of checking an LC's token. */
export type LcAuthResult =
  | { ok: true; serviceAccount: string; pod: string }
  | { ok: false; status: 401 | 403 | 503; message: string };

/** Whether a bearer token has the shape of a JWT (a ServiceAccount token), not of a hex node token. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

function first(extra: Record<string, string[]> | undefined, key: string): string | undefined {
  const value = extra?.[key];
  return Array.isArray(value) && typeof value[0] === 'string' && value[0] !== '' ? value[0] : undefined;
}

/** Checks LC ServiceAccount tokens with TokenReview and the bound pod's node. */
export class TokenReviewAuthenticator {
  private readonly auth: AuthenticationV1Api;
  private readonly core: CoreV1Api;
  private inFlight = 0;

  constructor(
    kubeConfig: KubeConfig,
    private readonly settings: TokenReviewSettings,
    private readonly logger: GmLogger,
  ) {
    this.auth = kubeConfig.makeApiClient(AuthenticationV1Api);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  /**
   * Whether `token` proves that its bearer is the LC of `node`. Never throws: an API failure is a 503
   * (the LC tries again), anything the token does not prove a 401, a pod on another node a 403.
   */
  async authenticate(token: string, node: string): Promise<LcAuthResult> {
    if (this.inFlight >= this.settings.maxInFlight) return { ok: false, status: 503, message: 'too many token reviews in flight; try again' };
    this.inFlight++;
    try {
      return await this.check(token, node);
    } finally {
      this.inFlight--;
    }
  }

  private async check(token: string, node: string): Promise<LcAuthResult> {
    const refuse = (status: 401 | 403, message: string): LcAuthResult => ({ ok: false, status, message });
    let status: V1TokenReviewStatus | undefined;
    try {
      const review = await this.auth.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [this.settings.audience] } } });
      status = review.status;
    } catch (error) {
      this.logger.warn({ node, error: describeError(error) }, 'TokenReview failed');
      return { ok: false, status: 503, message: `the token of node ${node} cannot be checked now (TokenReview: ${describeError(error)})` };
    }
    if (!status?.authenticated) return refuse(401, `the token of node ${node} is not valid${status?.error ? `: ${status.error}` : ''}`);
    // An API server that ignores audiences answers without them: the token might be for anyone.
    if (!(status.audiences ?? []).includes(this.settings.audience)) return refuse(401, `the token of node ${node} is not issued for the audience ${this.settings.audience}`);
    const user = status.user?.username ?? '';
    const sa = SERVICE_ACCOUNT_USER.exec(user);
    if (!sa) return refuse(401, `the token of node ${node} is not a ServiceAccount token (user ${JSON.stringify(user)})`);
    const [, namespace, account] = sa as unknown as [string, string, string];
    const serviceAccount = `${namespace}/${account}`;
    if (!this.settings.serviceAccounts.includes(serviceAccount)) {
      return refuse(403, `ServiceAccount ${serviceAccount} is not one Local Controllers run as (${this.settings.serviceAccounts.join(', ')})`);
    }
    const extra = status.user?.extra;
    const podName = first(extra, POD_NAME_EXTRA);
    const podUid = first(extra, POD_UID_EXTRA);
    if (!podName || !podUid) return refuse(401, `the token of ServiceAccount ${serviceAccount} is not bound to a pod (use a projected ServiceAccount token)`);
    const claimedNode = first(extra, NODE_NAME_EXTRA);
    if (claimedNode !== undefined && claimedNode !== node) return refuse(403, `the token is bound to pod ${namespace}/${podName} on node ${claimedNode}, not on node ${node}`);
    let pod;
    try {
      pod = await this.core.readNamespacedPod({ namespace, name: podName });
    } catch (error) {
      if (httpStatusOf(error) === 404) return refuse(401, `the token is bound to pod ${namespace}/${podName}, which no longer exists`);
      this.logger.warn({ node, pod: `${namespace}/${podName}`, error: describeError(error) }, 'reading the pod of an LC token failed');
      return { ok: false, status: 503, message: `the pod of the token of node ${node} cannot be read now: ${describeError(error)}` };
    }
    if (pod.metadata?.uid !== podUid) return refuse(401, `the token is bound to an earlier pod ${namespace}/${podName} (uid ${podUid}), not the one that exists now`);
    if (pod.spec?.nodeName !== node) return refuse(403, `the token is bound to pod ${namespace}/${podName} on node ${pod.spec?.nodeName || '(none)'}, not on node ${node}`);
    return { ok: true, serviceAccount, pod: `${namespace}/${podName}` };
  }
}
