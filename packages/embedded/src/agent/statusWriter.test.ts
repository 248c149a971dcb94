import { type CoreV1Api } from '@kubernetes/client-node';
import { type PodStatusBody } from './podStatus.js';
import { StatusWriter } from './statusWriter.js';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const status = (phase: PodStatusBody['phase']): PodStatusBody => ({
  phase,
  hostIP: '127.0.0.1',
  hostIPs: [],
  podIP: '127.0.0.1',
  podIPs: [],
  startTime: 'T',
  conditions: [],
  initContainerStatuses: [],
  containerStatuses: [],
});

// A CoreV1Api stand-in that records status patches; `gate` holds a patch in flight until released.
function recordingApi(fail: (n: number) => number | undefined = () => undefined) {
  const patches: string[] = [];
  let release: (() => void) | undefined;
  const api = {
    async patchNamespacedPodStatus(request: { body: { status: PodStatusBody } }) {
      patches.push(request.body.status.phase);
      const code = fail(patches.length);
      if (code !== undefined) throw Object.assign(new Error(`HTTP ${code}`), { code });
      if (hold) await new Promise<void>((resolve) => (release = resolve));
      return {};
    },
  };
  let hold = false;
  return {
    core: api as unknown as CoreV1Api,
    patches,
    holdNext: () => (hold = true),
    release: () => {
      hold = false;
      release?.();
    },
  };
}

test('an unchanged status is not sent again, and a changed one after it still is', async () => {
  const api = recordingApi();
  const writer = new StatusWriter(api.core, silent);
  expect(await writer.write('u', 'ns', 'p', status('Pending'))).toBe(true);
  expect(await writer.write('u', 'ns', 'p', status('Pending'))).toBe(true);
  expect(await writer.write('u', 'ns', 'p', status('Running'))).toBe(true);
  expect(api.patches).toEqual(['Pending', 'Running']);
});

test('statuses given while a write is in flight collapse into the latest one', async () => {
  const api = recordingApi();
  const writer = new StatusWriter(api.core, silent);
  api.holdNext();
  const first = writer.write('u', 'ns', 'p', status('Pending'));
  const second = writer.write('u', 'ns', 'p', status('Running'));
  const third = writer.write('u', 'ns', 'p', status('Succeeded'));
  await new Promise((resolve) => setImmediate(resolve));
  api.release();
  await expect(Promise.all([first, second, third])).resolves.toEqual([true, true, true]);
  expect(api.patches).toEqual(['Pending', 'Succeeded']);
});

test('a failed write is retried; a 404 ends the writes for the pod; a closed writer takes none', async () => {
  const api = recordingApi((n) => (n === 1 ? 500 : n === 3 ? 404 : undefined));
  const writer = new StatusWriter(api.core, silent, { baseMs: 1, maxMs: 1 });
  expect(await writer.write('u', 'ns', 'p', status('Running'))).toBe(true);
  expect(api.patches).toEqual(['Running', 'Running']);
  expect(await writer.write('u', 'ns', 'p', status('Failed'))).toBe(true);
  expect(api.patches).toEqual(['Running', 'Running', 'Failed']);
  writer.close();
  expect(await writer.write('u', 'ns', 'p', status('Succeeded'))).toBe(false);
  expect(api.patches).toHaveLength(3);
});
