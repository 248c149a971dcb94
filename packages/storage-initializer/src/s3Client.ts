/** The S3 client (AWS SDK v3) for S3-compatible servers, and what its errors mean. */
import { S3Client } from '@aws-sdk/client-s3';
import { type S3Settings } from './config.js';
import { errorChain } from './errors.js';
import { commonFailure, type Failure } from './retry.js';

/**
 * An S3 client for `settings`: path-style URLs by default (what MinIO, Ceph, OBS and s3rver expect),
 * anonymous requests when there are no keys (nothing is looked up elsewhere: no AWS profile, no
 * instance metadata), and no retries of its own: the initializer's retry policy is the only one.
 *
 * @example
 * const client = createS3Client({ endpoint: 'http://127.0.0.1:9000', accessKeyId: 'k', secretAccessKey: 's', region: 'us-east-1', forcePathStyle: true });
 */
export function createS3Client(settings: S3Settings): S3Client {
  const anonymous = settings.accessKeyId === undefined || settings.secretAccessKey === undefined;
  return new S3Client({
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 10_000, socketTimeout: 120_000 },
    credentials: anonymous
      ? { accessKeyId: '', secretAccessKey: '' }
      : { accessKeyId: settings.accessKeyId as string, secretAccessKey: settings.secretAccessKey as string },
    // Unsigned requests: the server decides what anonymous users may read.
    ...(anonymous ? { signer: { sign: async (request) => request } } : {}),
  });
}

interface S3ServiceError {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);
const DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden', 'InvalidToken', 'ExpiredToken', 'AccountProblem']);
const TRANSIENT = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestTimeout', 'RequestTimeTooSkewed', 'InternalError', 'ServiceUnavailable', 'OperationAborted']);

/** What an S3 error means: not found, access denied, transient (network, 5xx, throttling) or other. */
export function classifyS3Error(error: unknown): Failure {
  const e = (error ?? {}) as S3ServiceError;
  const status = e.$metadata?.httpStatusCode;
  const name = e.Code ?? e.name ?? 'Error';
  if (status === undefined) {
    const common = commonFailure(error);
    if (common) return common;
  }
  // The SDK names errors without a body (HEAD) after the status; keep the server's words when it gave some.
  const words = e.message && e.message !== 'UnknownError' ? `: ${e.message}` : '';
  const detail = `HTTP ${status ?? '?'} ${name}${words}`;
  if (NOT_FOUND.has(name) || status === 404) return { code: 'NOT_FOUND', reason: `not found (${detail})`, transient: false };
  if (DENIED.has(name) || status === 401 || status === 403) return { code: 'ACCESS_DENIED', reason: `access denied (${detail})`, transient: false };
  if (TRANSIENT.has(name) || status === 408 || status === 429 || (status !== undefined && status >= 500 && status !== 501)) {
    return { code: 'UNAVAILABLE', reason: `server unavailable (${detail})`, transient: true };
  }
  if (status === undefined) return { code: 'REMOTE', reason: `request failed (${errorChain(error)})`, transient: false };
  return { code: 'REMOTE', reason: `server error (${detail})`, transient: false };
}
