/**
 * Worker tokens: a worker pod named `name` on a node with token `nodeToken` carries
 * `SEDNA_WORKER_TOKEN` = hex HMAC-SHA256(nodeToken, name), which the GM computes when it creates the
 * pod and the LC recomputes to accept the worker's reports.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** hex HMAC-SHA256(`key`, `message`). */
export function hmacHex(key: string, message: string): string {
  return createHmac('sha256', key).update(message, 'utf8').digest('hex');
}

/** The `SEDNA_WORKER_TOKEN` of worker `workerName` on the node whose token is `nodeToken`. */
export function workerToken(nodeToken: string, workerName: string): string {
  return hmacHex(nodeToken, workerName);
}

/** Whether `token` is the worker token of `workerName` (compared in constant time). */
export function verifyWorkerToken(nodeToken: string, workerName: string, token: string): boolean {
  const expected = Buffer.from(workerToken(nodeToken, workerName), 'utf8');
  const given = Buffer.from(token, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
