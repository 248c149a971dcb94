/**
 * ServiceAccount tokens as kube-apiserver issues them: JWTs signed with a key of the server, carrying
 * the ServiceAccount and the object the token is bound to (a Pod, a Secret or a Node) in the private
 * `kubernetes.io` claim. Why signed tokens rather than opaque ones stored in the store: a token must
 * stay valid across restarts and must stop being valid when its pod goes; a JWT carries what it is
 * bound to, so only the signing key is persisted (`<dataDir>/sa.key`, 0600, written once by temp file
 * + rename) and revocation is the review's look-up of the bound objects, exactly as the Kubernetes
 * validator does it. Nothing is written per token, so issuing costs no fsync.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomUUID, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '@sedna-ts/internal';
import { ApiServerError } from './errors.js';

/** The issuer kube-apiserver clusters made by kind, k3s and kubeadm use by default. */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** A reference to an object by name and uid. */
export interface NamedRef {
  name: string;
  uid: string;
}

/** The `kubernetes.io` claim of a ServiceAccount token. */
export interface KubernetesClaim {
  namespace: string;
  serviceaccount: NamedRef;
  pod?: NamedRef;
  secret?: NamedRef;
  node?: { name: string; uid?: string };
}

/** The claims of a ServiceAccount token. */
export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': KubernetesClaim;
}

/** What `verify` finds: the claims, or why the token is not one of ours or not valid now. */
export type VerifyResult = { ok: true; claims: ServiceAccountClaims } | { ok: false; error: string };

const KEY_FILE = 'sa.key';

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function isClaims(v: unknown): v is ServiceAccountClaims {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  const k = c['kubernetes.io'] as Record<string, unknown> | undefined;
  const sa = k?.serviceaccount as Record<string, unknown> | undefined;
  return (
    typeof c.iss === 'string' &&
    typeof c.sub === 'string' &&
    Array.isArray(c.aud) &&
    c.aud.every((a) => typeof a === 'string') &&
    typeof c.exp === 'number' &&
    typeof c.nbf === 'number' &&
    typeof k?.namespace === 'string' &&
    typeof sa?.name === 'string' &&
    typeof sa.uid === 'string'
  );
}

/**
 * Signs and verifies the server's ServiceAccount tokens (ES256, key id = SHA-256 of the public key).
 */
export class ServiceAccountTokenSigner {
  private readonly publicKey: KeyObject;
  readonly keyId: string;

  private constructor(
    private readonly privateKey: KeyObject,
    readonly issuer: string,
  ) {
    this.publicKey = createPublicKey(privateKey);
    this.keyId = base64url(createHash('sha256').update(this.publicKey.export({ type: 'spki', format: 'der' })).digest());
  }

  /**
   * The signer of a data dir: the key in `<dataDir>/sa.key`, created on first start.
   *
   * @throws ApiServerError `StoreFailure` when the key file cannot be read or written, or is not a P-256 key.
   */
  static loadOrCreate(dataDir: string, issuer: string): ServiceAccountTokenSigner {
    const file = path.join(dataDir, KEY_FILE);
    let pem: string | undefined;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new ApiServerError('StoreFailure', `${file}: ${(error as Error).message}`, { cause: error });
    }
    if (pem === undefined) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      writeFileAtomicSync(file, pem, { mode: 0o600 });
    }
    let key: KeyObject;
    try {
      key = createPrivateKey(pem);
    } catch (error) {
      throw new ApiServerError('StoreFailure', `${file}: not a private key: ${(error as Error).message}`, { cause: error });
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new ApiServerError('StoreFailure', `${file}: the ServiceAccount signing key must be an EC P-256 key`);
    }
    return new ServiceAccountTokenSigner(key, issuer);
  }

  /** A signed token for `claim`, valid from `now` for `expirationSeconds`, for `audiences`. */
  issue(claim: KubernetesClaim, audiences: string[], expirationSeconds: number, now: Date): { token: string; claims: ServiceAccountClaims } {
    const iat = Math.floor(now.getTime() / 1000);
    const claims: ServiceAccountClaims = {
      iss: this.issuer,
      sub: `system:serviceaccount:${claim.namespace}:${claim.serviceaccount.name}`,
      aud: audiences,
      exp: iat + expirationSeconds,
      iat,
      nbf: iat,
      jti: randomUUID(),
      'kubernetes.io': claim,
    };
    const signingInput = `${base64url(JSON.stringify({ alg: 'ES256', kid: this.keyId }))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return { token: `${signingInput}.${base64url(signature)}`, claims };
  }

  /**
   * Checks a token's signature, issuer and validity window at `now`. Audiences and the bound objects
   * are the reviewer's to check.
   */
  verify(token: string, now: Date): VerifyResult {
    const invalid = (why: string): VerifyResult => ({ ok: false, error: `invalid bearer token, ${why}` });
    const parts = token.split('.');
    if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return invalid('not a JWT');
    const [h, p, s] = parts as [string, string, string];
    let header: { alg?: unknown; kid?: unknown };
    let payload: unknown;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: unknown; kid?: unknown };
      payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    } catch {
      return invalid('not a JWT');
    }
    if (header.alg !== 'ES256' || header.kid !== this.keyId) return invalid('not signed by this API server');
    if (!verify('sha256', Buffer.from(`${h}.${p}`), { key: this.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) {
      return invalid('signature does not verify');
    }
    if (!isClaims(payload)) return invalid('not a ServiceAccount token');
    if (payload.iss !== this.issuer) return invalid(`issued by ${JSON.stringify(payload.iss)}, not ${JSON.stringify(this.issuer)}`);
    const t = Math.floor(now.getTime() / 1000);
    if (payload.exp <= t) return invalid('token is expired (exp)');
    if (payload.nbf > t) return invalid('token is not valid yet (nbf)');
    return { ok: true, claims: payload };
  }
}
