/**
 * Tokens of the GM-LC-worker chain. A node's token is HMAC-SHA256(GM secret, node name): the GM
 * recomputes it when an LC connects, so one LC cannot speak for another. A worker's token is
 * HMAC-SHA256(node token, pod name): the LC of the pod's node recomputes it to accept the worker.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Hex HMAC-SHA256 of `message` keyed by `key`. */
function hmacHex(key: string, message: string): string {
  return createHmac('sha256', key).update(message, 'utf8').digest('hex');
}

/** The token of the LC of `nodeName` (hex HMAC-SHA256 of the node name keyed by the GM secret). */
export function nodeToken(secret: string, nodeName: string): string {
  return hmacHex(secret, nodeName);
}

/** The token of the worker pod `podName` (hex HMAC-SHA256 of the pod name keyed by its node's token). */
export function workerToken(nodeTokenValue: string, podName: string): string {
  return hmacHex(nodeTokenValue, podName);
}

/** Compares two tokens in constant time (for equal lengths). */
export function tokensEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
