/**
 * S3 downloads: `s3://bucket/key` is the object `key` when it exists, else the folder `key/` (every
 * object under it), saved as `<destination>/<last folder name>/...` (the original's #221);
 * `s3://bucket/key/` is always the folder, and `s3://bucket` the whole bucket, saved in `<destination>`.
 */
import { GetObjectCommand, ListObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import path from 'node:path';
import { type Readable } from 'node:stream';
import { type RunContext } from './context.js';
import { receiveToFile, writeAtomically } from './files.js';
import { forEachLimited } from './pool.js';
import { withRetry, AttemptsFailed } from './retry.js';
import { classifyS3Error } from './s3Client.js';
import { safeRelativePath } from './safePath.js';
import { type SourceUri } from './sourceUri.js';
import { type ReceiveFile, type Transferred } from './transfer.js';

type S3Source = Extract<SourceUri, { kind: 's3' }>;

function retrying<T>(context: RunContext, url: string, what: string, attempt: () => Promise<T>): Promise<T> {
  return withRetry(attempt, {
    policy: context.retry,
    classify: (error) => {
      const failure = classifyS3Error(error);
      // A refused or reset connection says nothing about where it went.
      if (failure.reason.startsWith('network error')) failure.reason += ` reaching ${context.config.s3.endpoint ?? 'AWS S3'}`;
      return failure;
    },
    onRetry: (failure, n, delay) => context.log.warn(`${url}: ${what}: attempt ${n} of ${context.retry.attempts} failed (${failure.reason}); retrying in ${delay} ms`),
  });
}

/**
 * Streams object `key` into `file`, checking its length.
 *
 * @returns the bytes written.
 */
export async function getObjectToFile(context: RunContext, client: S3Client, bucket: string, key: string, file: string): Promise<number> {
  const url = `s3://${bucket}/${key}`;
  return retrying(context, url, 'download', async () => {
    return receiveToFile(file, async () => {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return { stream: response.Body as Readable, length: response.ContentLength };
    });
  });
}

/** Every object under `prefix`, with ListObjectsV2, or ListObjects (v1) for servers that only have it. */
async function listAll(context: RunContext, client: S3Client, bucket: string, prefix: string): Promise<{ key: string; size: number }[]> {
  const url = `s3://${bucket}/${prefix}`;
  const objects: { key: string; size: number }[] = [];
  let token: string | undefined;
  let useV1 = false;
  for (;;) {
    let page: { Contents?: { Key?: string; Size?: number }[]; IsTruncated?: boolean; next?: string };
    try {
      page = await retrying(context, url, 'list', async () => {
        if (useV1) {
          const r = await client.send(new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, ...(token ? { Marker: token } : {}) }));
          return { ...r, next: r.NextMarker ?? r.Contents?.at(-1)?.Key };
        }
        const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
        return { ...r, next: r.NextContinuationToken };
      });
    } catch (error) {
      const status = (error instanceof AttemptsFailed ? (error.lastError as { $metadata?: { httpStatusCode?: number } }) : undefined)?.$metadata?.httpStatusCode;
      if (!useV1 && token === undefined && status === 501) {
        context.log.info(`${url}: list: the server has no ListObjectsV2 (HTTP 501); listing with ListObjects (v1)`);
        useV1 = true;
        continue;
      }
      throw error;
    }
    for (const o of page.Contents ?? []) if (o.Key !== undefined) objects.push({ key: o.Key, size: o.Size ?? 0 });
    if (!page.IsTruncated || !page.next) return objects;
    token = page.next;
  }
}

/**
 * Downloads an S3 source into `destination` (see the module comment for the layout). A single object
 * goes through `receiveFile`, which may extract it; objects of a folder are written as they are.
 */
export async function downloadS3(
  context: RunContext,
  source: S3Source,
  destination: string,
  receiveFile: ReceiveFile,
): Promise<Transferred> {
  const client = context.s3();
  const { bucket, key } = source;
  if (key !== '' && !key.endsWith('/')) {
    const name = path.posix.basename(key);
    try {
      return await receiveFile(name, (file) => getObjectToFile(context, client, bucket, key, file));
    } catch (error) {
      // No object by that name: a folder, perhaps.
      if (!(error instanceof AttemptsFailed && error.failure.code === 'NOT_FOUND')) throw error;
    }
  }
  const prefix = key === '' ? '' : key.replace(/\/*$/, '/');
  const root = prefix === '' ? destination : path.join(destination, path.posix.basename(prefix.slice(0, -1)));
  let objects: { key: string; size: number }[];
  try {
    objects = (await listAll(context, client, bucket, prefix)).filter((o) => !o.key.endsWith('/'));
  } catch (error) {
    throw context.wrap(error, `s3://${bucket}/${prefix}`, 'list');
  }
  if (objects.length === 0) {
    const what = key === '' || key.endsWith('/') ? `no objects under ${source.text}` : `no object ${source.text} and no objects under ${source.text}/`;
    throw context.fail('NOT_FOUND', source.text, 'list', what);
  }
  const planned = objects.map((o) => {
    const relative = safeRelativePath(o.key.slice(prefix.length));
    if (relative === undefined || relative === '') {
      throw context.fail('UNSAFE_PATH', `s3://${bucket}/${o.key}`, 'list', `the key would be saved outside ${root}`);
    }
    return { ...o, file: path.join(root, relative) };
  });
  await context.sweep(root, true);
  context.log.info(`${source.text}: ${planned.length} object(s), ${planned.reduce((n, o) => n + o.size, 0)} bytes, into ${root}`);
  let bytes = 0;
  await forEachLimited(planned, context.config.concurrency, async (o) => {
    const url = `s3://${bucket}/${o.key}`;
    try {
      const written = await writeAtomically(o.file, (temporary) => getObjectToFile(context, client, bucket, o.key, temporary));
      bytes += written;
    } catch (error) {
      throw context.wrap(error, url, 'download');
    }
    context.log.debug(`${url}: saved as ${o.file}`);
  });
  return { files: planned.length, bytes };
}
