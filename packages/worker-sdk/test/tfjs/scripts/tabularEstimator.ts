// Child script: a TfjsTabularEstimator trained on rows whose class is a band of a linear score, saved,
// reloaded into a fresh instance, evaluated, fine-tuned. Prints what it observed as JSON.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaseDataSource } from '../../../src/dataSource.js';
import { seededRandom } from '@sedna-ts/internal';
import { TfjsTabularEstimator } from '../../../src/tfjs/tabularEstimator.js';
import { errorOf } from './errorOf.js';

// Class 0 below -1, 2 above 1, 1 between, of the score a + 2b (c is noise); features far from unit scale.
function rows(n: number, seed: number): BaseDataSource {
  const random = seededRandom(seed);
  const data = new BaseDataSource('train');
  for (let i = 0; i < n; i++) {
    const a = random() * 4 - 2;
    const b = random() * 2 - 1;
    const score = a + 2 * b;
    data.x.push({ name: `r${i}`, a: 1000 + a * 100, b, c: random() * 50 });
    data.y.push(score < -1 ? 0 : score > 1 ? 2 : 1);
  }
  return data;
}

const dir = await mkdtemp(join(tmpdir(), 'sedna-tabular-'));
try {
  const estimator = new TfjsTabularEstimator({ numClasses: 3, hidden: [16], epochs: 60, seed: 3 });
  const started = Date.now();
  const trainMetrics = await estimator.train(rows(600, 1));
  const trainMs = Date.now() - started;
  const files = await estimator.save(dir);
  const saved = (await readdir(dir)).sort();
  const meta = JSON.parse(await readFile(join(dir, 'tabular.json'), 'utf8')) as { features: string[]; mean: number[] };

  const loaded = new TfjsTabularEstimator();
  await loaded.load(join(dir, 'model.json'));
  const test = rows(300, 2);
  const evaluated = await loaded.evaluate(test, { modelPath: join(dir, 'model.json') });
  const prediction = await loaded.predict(test.x[0] as Record<string, unknown>);

  // Fine-tuning keeps the standardisation of the first training.
  await loaded.train(rows(100, 4));
  const tuned = join(dir, 'tuned');
  await loaded.save(tuned);
  const tunedMeta = JSON.parse(await readFile(join(tuned, 'tabular.json'), 'utf8')) as { mean: number[] };

  console.log(
    JSON.stringify({
      trainMetrics,
      trainMs,
      files: files.map((f) => [f.path.slice(dir.length + 1), f.format]),
      saved,
      features: meta.features,
      sameMean: JSON.stringify(tunedMeta.mean) === JSON.stringify(meta.mean),
      evaluated,
      prediction: { label: prediction.label, sum: prediction.probabilities.reduce((s, p) => s + p, 0), classes: prediction.probabilities.length, truth: test.y[0] },
      badRow: await errorOf(() => loaded.predict({ a: 'warm', b: 0, c: 0 })),
      untrained: await errorOf(() => new TfjsTabularEstimator().predict({ a: 1 })),
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
