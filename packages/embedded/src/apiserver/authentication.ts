/**
 * Who a request comes from, and the two authentication APIs of Kubernetes the GM and the kubelet use:
 * TokenRequest (`POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token`), which issues a
 * ServiceAccount token bound to a Pod, a Secret or a Node, and TokenReview
 * (`POST /apis/authentication.k8s.io/v1/tokenreviews`), which says who a token belongs to. Both follow
 * kube-apiserver: audiences default to the API server's own, a review answers the intersection of the
 * token's audiences with the requested ones, and a token stops being valid when it expires or when its
 * ServiceAccount or bound object is deleted or replaced (another uid).
 */
import { timingSafeEqual } from 'node:crypto';
import { ApiServerError, type StatusCause } from './errors.js';
import { isPlainObject, type KubeObject } from './kubeObject.js';
import { type ObjectService } from './objectService.js';
import { type ResourceRegistry, type ResourceType } from './resources.js';
import { type KubernetesClaim, type ServiceAccountClaims, type ServiceAccountTokenSigner } from './serviceAccountTokens.js';

/** An authenticated user, as a TokenReview's `status.user`. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** The user of the server's own bearer token (the kubeconfig's), as kubeadm and kind name their admin. */
export const ADMIN_USER: UserInfo = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };

/** Extra keys of a bound ServiceAccount token's user, as kube-apiserver sets them. */
export const EXTRA = {
  podName: 'authentication.kubernetes.io/pod-name',
  podUid: 'authentication.kubernetes.io/pod-uid',
  nodeName: 'authentication.kubernetes.io/node-name',
  nodeUid: 'authentication.kubernetes.io/node-uid',
  credentialId: 'authentication.kubernetes.io/credential-id',
} as const;

/** Shortest and longest token lifetime a TokenRequest may ask for (kube-apiserver's bounds). */
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
const DEFAULT_EXPIRATION_SECONDS = 3600;

/** The kinds a token may be bound to, and the resource each is stored as. */
const BINDABLE: Record<string, { resource: string; namespaced: boolean }> = {
  Pod: { resource: 'pods', namespaced: true },
  Secret: { resource: 'secrets', namespaced: true },
  Node: { resource: 'nodes', namespaced: false },
};

type Rec = Record<string, unknown>;

function rec(v: unknown): Rec {
  return isPlainObject(v) ? v : {};
}

function invalid(kind: string, name: string, field: string, message: string): ApiServerError {
  const cause: StatusCause = { reason: 'FieldValueInvalid', message, field };
  return new ApiServerError('Invalid', `${kind}.authentication.k8s.io "${name}" is invalid: ${field}: ${message}`, {
    details: { name, group: 'authentication.k8s.io', kind, causes: [cause] },
  });
}

function stringList(v: unknown, kind: string, name: string, field: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((a) => typeof a !== 'string' || a === '')) throw invalid(kind, name, field, `Invalid value: ${JSON.stringify(v)}: must be a list of non-empty strings`);
  return v as string[];
}

function intersect(a: readonly string[], b: readonly string[]): string[] {
  return a.filter((x) => b.includes(x));
}

/** Issues and reviews ServiceAccount tokens against the objects of the store. */
export class Authenticator {
  private readonly expected: Buffer;

  constructor(
    private readonly service: ObjectService,
    private readonly registry: ResourceRegistry,
    private readonly signer: ServiceAccountTokenSigner,
    adminToken: string,
    /** The audiences of the API server itself: a token without one of them cannot call the API. */
    readonly apiAudiences: readonly string[],
  ) {
    this.expected = Buffer.from(adminToken);
  }

  private type(resource: string): ResourceType {
    return this.registry.require('', 'v1', resource);
  }

  private find(resource: string, namespace: string, name: string): KubeObject | undefined {
    try {
      return this.service.get(this.type(resource), namespace, name);
    } catch (error) {
      if (error instanceof ApiServerError && error.code === 'NotFound') return undefined;
      throw error;
    }
  }

  private isAdminToken(token: string): boolean {
    const got = Buffer.from(token);
    return got.length === this.expected.length && timingSafeEqual(got, this.expected);
  }

  /**
   * The user a request's `Authorization` header proves, or undefined: the server's own token, or a
   * ServiceAccount token valid now for one of the API's audiences (the server has no RBAC: every
   * authenticated user may do everything, as with kube-apiserver's AlwaysAllow authorizer).
   */
  authenticateRequest(authorization: string | undefined, now: Date): UserInfo | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) return undefined;
    const token = m[1] as string;
    if (this.isAdminToken(token)) return ADMIN_USER;
    const result = this.review(token, [...this.apiAudiences], now);
    return result.authenticated ? result.user : undefined;
  }

  /**
   * What a TokenReview answers for `token` and the requested audiences (the API's when empty):
   * `authenticated`, the user, the audiences the token is valid for, or the error.
   */
  review(token: string, requested: string[], now: Date): { authenticated: boolean; user?: UserInfo; audiences?: string[]; error?: string } {
    const audiences = requested.length > 0 ? requested : [...this.apiAudiences];
    if (this.isAdminToken(token)) {
      // The static token is not bound to an audience: it is good for the API's audiences only.
      const valid = intersect(audiences, this.apiAudiences);
      if (valid.length === 0) return { authenticated: false, error: `token audiences ${JSON.stringify(this.apiAudiences)} is invalid for the target audiences ${JSON.stringify(audiences)}` };
      return { authenticated: true, user: ADMIN_USER, audiences: valid };
    }
    const verified = this.signer.verify(token, now);
    if (!verified.ok) return { authenticated: false, error: verified.error };
    const claims = verified.claims;
    const valid = intersect(audiences, claims.aud);
    if (valid.length === 0) return { authenticated: false, error: `token audiences ${JSON.stringify(claims.aud)} is invalid for the target audiences ${JSON.stringify(audiences)}` };
    const revoked = this.revocation(claims['kubernetes.io'], now);
    if (revoked) return { authenticated: false, error: `invalid bearer token, token has been invalidated: ${revoked}` };
    return { authenticated: true, user: this.userOf(claims), audiences: valid };
  }

  /** Why the objects a token names no longer back it, or undefined while they do. */
  private revocation(k: KubernetesClaim, now: Date): string | undefined {
    const ns = k.namespace;
    const sa = this.find('serviceaccounts', ns, k.serviceaccount.name);
    if (!sa) return `ServiceAccount ${ns}/${k.serviceaccount.name} no longer exists`;
    if (sa.metadata.uid !== k.serviceaccount.uid) return `ServiceAccount ${ns}/${k.serviceaccount.name} was replaced (uid ${String(sa.metadata.uid)}, the token's ${k.serviceaccount.uid})`;
    if (sa.metadata.deletionTimestamp) return `ServiceAccount ${ns}/${k.serviceaccount.name} is being deleted`;
    const bound: [string, string, { name: string; uid?: string } | undefined][] = [
      ['Pod', 'pods', k.pod],
      ['Secret', 'secrets', k.secret],
    ];
    for (const [kind, resource, ref] of bound) {
      if (!ref) continue;
      const o = this.find(resource, ns, ref.name);
      if (!o) return `${kind} ${ns}/${ref.name} no longer exists`;
      if (o.metadata.uid !== ref.uid) return `${kind} ${ns}/${ref.name} was replaced (uid ${String(o.metadata.uid)}, the token's ${String(ref.uid)})`;
      const gone = o.metadata.deletionTimestamp;
      if (gone && Date.parse(gone) <= now.getTime()) return `${kind} ${ns}/${ref.name} is being deleted`;
    }
    // A token bound to a pod carries its node for information; bound to a Node, the node must stay.
    if (k.node && !k.pod && k.node.uid) {
      const node = this.find('nodes', '', k.node.name);
      if (!node) return `Node ${k.node.name} no longer exists`;
      if (node.metadata.uid !== k.node.uid) return `Node ${k.node.name} was replaced`;
    }
    return undefined;
  }

  private userOf(claims: ServiceAccountClaims): UserInfo {
    const k = claims['kubernetes.io'];
    const extra: Record<string, string[]> = { [EXTRA.credentialId]: [`JTI=${claims.jti}`] };
    if (k.pod) {
      extra[EXTRA.podName] = [k.pod.name];
      extra[EXTRA.podUid] = [k.pod.uid];
    }
    if (k.node) {
      extra[EXTRA.nodeName] = [k.node.name];
      if (k.node.uid) extra[EXTRA.nodeUid] = [k.node.uid];
    }
    return {
      username: claims.sub,
      uid: k.serviceaccount.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${k.namespace}`, 'system:authenticated'],
      extra,
    };
  }

  /**
   * Answers a TokenRequest for ServiceAccount `namespace/name`: a token for `spec.audiences` (the API's
   * when empty) valid `spec.expirationSeconds` (default 3600, at least 600), bound to
   * `spec.boundObjectRef` when given (a Pod running as this ServiceAccount, a Secret or a Node of
   * that uid).
   *
   * @throws ApiServerError `NotFound` (the ServiceAccount or the bound object), `Invalid` (a bad field),
   *   `BadRequest` (a pod of another ServiceAccount), `Conflict` (a bound object of another uid).
   */
  tokenRequest(namespace: string, name: string, body: unknown, now: Date): KubeObject {
    const kind = 'TokenRequest';
    if (!isPlainObject(body)) throw new ApiServerError('BadRequest', 'the TokenRequest must be a JSON object');
    const spec = rec(body.spec);
    const sa = this.service.get(this.type('serviceaccounts'), namespace, name);
    const audiences = stringList(spec.audiences, kind, name, 'spec.audiences') ?? [];
    const tokenAudiences = audiences.length > 0 ? audiences : [...this.apiAudiences];
    const rawExpiration = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
    if (typeof rawExpiration !== 'number' || !Number.isInteger(rawExpiration)) throw invalid(kind, name, 'spec.expirationSeconds', `Invalid value: ${JSON.stringify(rawExpiration)}: must be an integer`);
    if (rawExpiration < MIN_EXPIRATION_SECONDS) throw invalid(kind, name, 'spec.expirationSeconds', `Invalid value: ${rawExpiration}: may not specify a duration less than 10 minutes`);
    if (rawExpiration > MAX_EXPIRATION_SECONDS) throw invalid(kind, name, 'spec.expirationSeconds', `Invalid value: ${rawExpiration}: may not specify a duration larger than 2^32 seconds`);
    const claim: KubernetesClaim = { namespace, serviceaccount: { name, uid: sa.metadata.uid as string } };
    const ref = spec.boundObjectRef;
    if (ref !== undefined && ref !== null) {
      if (!isPlainObject(ref)) throw invalid(kind, name, 'spec.boundObjectRef', `Invalid value: ${JSON.stringify(ref)}: must be an object`);
      const refKind = String(ref.kind ?? '');
      const target = BINDABLE[refKind];
      if (!target) throw invalid(kind, name, 'spec.boundObjectRef.kind', `Unsupported value: ${JSON.stringify(refKind)}: supported values: "Node", "Pod", "Secret"`);
      if (ref.apiVersion !== undefined && ref.apiVersion !== 'v1') throw invalid(kind, name, 'spec.boundObjectRef.apiVersion', `Invalid value: ${JSON.stringify(ref.apiVersion)}: must be "v1" for ${refKind}`);
      if (typeof ref.name !== 'string' || ref.name === '') throw invalid(kind, name, 'spec.boundObjectRef.name', 'Required value');
      const object = this.service.get(this.type(target.resource), target.namespaced ? namespace : '', ref.name);
      const uid = object.metadata.uid as string;
      if (ref.uid !== undefined && ref.uid !== '' && ref.uid !== uid) {
        throw new ApiServerError(
          'Conflict',
          `the UID in the bound object reference (${String(ref.uid)}) does not match the UID in record (${uid}). The object might have been deleted and then recreated`,
          { details: { name: ref.name, kind: target.resource } },
        );
      }
      if (refKind === 'Pod') {
        const podSa = String(rec(object.spec).serviceAccountName ?? '') || 'default';
        if (podSa !== name) throw new ApiServerError('BadRequest', `cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
        claim.pod = { name: ref.name, uid };
        const nodeName = rec(object.spec).nodeName;
        if (typeof nodeName === 'string' && nodeName !== '') {
          const node = this.find('nodes', '', nodeName);
          claim.node = { name: nodeName, ...(node?.metadata.uid ? { uid: node.metadata.uid } : {}) };
        }
      } else if (refKind === 'Secret') {
        claim.secret = { name: ref.name, uid };
      } else {
        claim.node = { name: ref.name, uid };
      }
    }
    const { token, claims } = this.signer.issue(claim, tokenAudiences, rawExpiration, now);
    const boundRef = isPlainObject(ref) ? { kind: ref.kind, apiVersion: ref.apiVersion ?? 'v1', name: ref.name, uid: claim.pod?.uid ?? claim.secret?.uid ?? claim.node?.uid } : undefined;
    return {
      kind,
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: new Date(claims.iat * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') },
      spec: { audiences: tokenAudiences, expirationSeconds: rawExpiration, boundObjectRef: boundRef ?? null },
      status: { token, expirationTimestamp: new Date(claims.exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') },
    };
  }

  /**
   * Answers a TokenReview: the review with its `status` filled in.
   *
   * @throws ApiServerError `BadRequest` when `spec.token` is missing.
   */
  tokenReview(body: unknown, now: Date): KubeObject {
    if (!isPlainObject(body)) throw new ApiServerError('BadRequest', 'the TokenReview must be a JSON object');
    const meta = rec(body.metadata);
    if (meta.namespace !== undefined && meta.namespace !== '') throw new ApiServerError('BadRequest', 'namespace is not allowed on this type');
    const spec = rec(body.spec);
    if (typeof spec.token !== 'string' || spec.token === '') throw new ApiServerError('BadRequest', 'token is required for TokenReview in authentication');
    const requested = stringList(spec.audiences, 'TokenReview', String(meta.name ?? ''), 'spec.audiences') ?? [];
    const result = this.review(spec.token, requested, now);
    return {
      kind: 'TokenReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { ...(typeof meta.name === 'string' ? { name: meta.name } : {}), creationTimestamp: null as unknown as string },
      spec: { token: spec.token, ...(requested.length > 0 ? { audiences: requested } : {}) },
      status: {
        authenticated: result.authenticated,
        user: result.user ?? {},
        ...(result.audiences ? { audiences: result.audiences } : {}),
        ...(result.error ? { error: result.error } : {}),
      },
    };
  }
}
