// What users read of Kubernetes API errors, and how often a failing watch is retried.
import { messageOf } from '../src/kube.js';
import { restartDelay } from '../src/watchRelay.js';

const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'incrementallearningjobs.sedna.io is forbidden: User "u" cannot list resource "incrementallearningjobs" in API group "sedna.io" at the cluster scope', reason: 'Forbidden', code: 403 };

test("an API error reads as its Status message, not client-node's dump", () => {
  // client-node's ApiException: a body (text or parsed) and a message that dumps it.
  const dump = Object.assign(new Error(`HTTP-Code: 403\nMessage: Unknown API Status Code!\nBody: ${JSON.stringify(JSON.stringify(status))}\nHeaders: {"content-type":"application/json"}`), { code: 403 });
  expect(messageOf(Object.assign(new Error(dump.message), { code: 403, body: JSON.stringify(status) }))).toBe(status.message);
  expect(messageOf(Object.assign(new Error(dump.message), { code: 403, body: status }))).toBe(status.message);
  expect(messageOf(dump)).toBe(status.message);
  expect(messageOf(Object.assign(new Error('HTTP-Code: 500\nMessage: x\nBody: "not json"'), { code: 500 }))).toBe('the API server answered 500');
  expect(messageOf(new Error('connect ECONNREFUSED 127.0.0.1:6443'))).toBe('connect ECONNREFUSED 127.0.0.1:6443');
});

test('a watch that keeps failing is retried less and less often: 2 s doubled up to 60 s', () => {
  expect([1, 2, 3, 4, 5, 6, 7, 20].map(restartDelay)).toEqual([2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
});
