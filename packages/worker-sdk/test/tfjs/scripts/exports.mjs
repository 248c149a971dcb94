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
// The hooks run on their own thread and post each resolution; one more import after the main entry's
// graph is resolved posts a sentinel behind them, so once it arrives every earlier message has too.
const sentinel = 'data:text/javascript,export default "sentinel"';
const arrived = new Promise((done) => port1.on('message', (url) => url === sentinel && done()));
port1.ref(); // keep the process alive until the sentinel is in
await import(sentinel);
await arrived;
port1.unref();
const mainLoads = resolved.filter((u) => /@tensorflow|onnxruntime|sharp|onnx-proto/.test(u));
const tfjs = Object.keys(await import('@sedna-ts/worker-sdk/tfjs')).sort();
const onnx = Object.keys(await import('@sedna-ts/worker-sdk/onnx')).sort();
console.log(JSON.stringify({ tfjs, onnx, mainLoads, resolvedCount: resolved.length }));
