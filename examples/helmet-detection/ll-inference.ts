// The inference worker of the LifelongLearningJob: waits for the deployed knowledge base (MODEL_URLS),
// then serves a folder standing in for the cameras (frames written there by temp file + rename, each
// PNG carrying its `site` in a text chunk). Each frame goes to its site's model; a frame of a site the
// KB has no task for is unseen: served by the fallback model, saved into unseen_save_url for labelling
// (the SDK does it) and counted. A new deployed index is swapped in without a restart.
//
// Parameters (env, as the job template sets them): frames_dir (the camera folder), box_threshold (0.3:
// boxes below it are not reported), poll_ms (200), keep_frames (false: served frames are deleted),
// stats_file (a JSON file rewritten with the counters per site: frames, unseen, the models that served
// them, and the KB round serving), MODEL_POLL_PERIOD_SECONDS (the SDK's, 30 s by default).
import { Context, writeFileAtomic } from '@sedna-ts/worker-sdk';
import { HelmetError } from './src/errors.js';
import { consumeFrames } from './src/frameFolder.js';
import { helmetLearning, KbHelmetDetector } from './src/lifelong.js';
import { readPngText, SITE_KEYWORD } from './src/pngText.js';

const framesDir = Context.getParameters('frames_dir');
if (!framesDir) throw new HelmetError('INVALID_ARGUMENT', 'll-inference: env frames_dir is not set (the folder the cameras write frames into)');
const boxThreshold = Context.getFloat('box_threshold', 0.3);
const pollMs = Context.getInt('poll_ms', 200);
const keepFrames = Context.getBool('keep_frames', false);
const statsFile = Context.getParameters('stats_file');

/** Counters of one site. */
interface SiteStats {
  frames: number;
  unseen: number;
  /** Frames served per model id. */
  served: Record<string, number>;
}

const ll = helmetLearning(() => new KbHelmetDetector({ decode: { scoreThreshold: boxThreshold } }));
let stopping = false;
let serving = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  // Before the KB is served there is nothing to finish: stop at once; after, finish the frame in hand.
  process.on(signal, () => (serving ? (stopping = true) : process.exit(0)));
}

const sites: Record<string, SiteStats> = {};
let frames = 0;
let unseen = 0;
let lastStatsWrite = 0;

async function writeStats(force = false): Promise<void> {
  if (!statsFile || (!force && Date.now() - lastStatsWrite < 1000)) return;
  lastStatsWrite = Date.now();
  const s = ll.stats();
  await writeFileAtomic(statsFile, JSON.stringify({ frames, unseen, savedUnseen: s.savedUnseen, round: s.round ?? null, indexVersion: s.indexVersion ?? null, sites, time: new Date().toISOString() }));
}

console.log(`ll-inference: waiting for the deployed KB (${Context.getParameters('MODEL_URLS') ?? 'MODEL_URLS not set'})`);
const first = await ll.ready();
serving = true;
console.log(`ll-inference: serving KB round ${first.round} (${first.seen_task.task_groups.map((g) => g.entry).join(', ')}); watching ${framesDir}; unseen frames to ${ll.unseenSaveDir}`);
await writeStats(true);

await consumeFrames({
  dir: framesDir,
  accept: (n) => n.endsWith('.png'),
  pollMs,
  keepFrames,
  stopped: () => stopping,
  onIdle: () => writeStats(true),
  onFrame: async (bytes) => {
    const { isUnseen, tasks } = await ll.inference(bytes);
    const site = readPngText(bytes, SITE_KEYWORD) ?? '(none)';
    const stats = (sites[site] ??= { frames: 0, unseen: 0, served: {} });
    const model = tasks[0]?.model ?? '(none)';
    stats.frames++;
    stats.served[model] = (stats.served[model] ?? 0) + 1;
    frames++;
    if (isUnseen) {
      stats.unseen++;
      unseen++;
    }
  },
  afterFrame: async () => {
    if (frames % 100 === 0) console.log(`ll-inference: ${frames} frames, ${unseen} unseen; KB round ${ll.stats().round}`);
    await writeStats();
  },
});
await writeStats(true);
console.log(`ll-inference: stopped after ${frames} frames, ${unseen} unseen`);
await ll.close();
