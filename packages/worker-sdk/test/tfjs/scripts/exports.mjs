// Child script: the export lists of the ./tfjs and ./onnx entries (built), and which runtimes loading the
// main entry pulls in. Prints {tfjs, onnx, mainLoads: [...]}.
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const resolved = [];
port1.on('message', (url) => resolved.push(url));
port1.unref();
const hooks = `let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  port.postMessage(result.url);
  return result;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { port: port2 }, transferList: [port2] });

await import('@sedna-ts/worker-sdk');
// Let the hook thread's messages arrive.
await new Promise((r) => setTimeout(r, 200));
const mainLoads = resolved.filter((u) => /@tensorflow|onnxruntime|sharp|onnx-proto/.test(u));
const tfjs = Object.keys(await import('@sedna-ts/worker-sdk/tfjs')).sort();
const onnx = Object.keys(await import('@sedna-ts/worker-sdk/onnx')).sort();
console.log(JSON.stringify({ tfjs, onnx, mainLoads, resolvedCount: resolved.length }));
