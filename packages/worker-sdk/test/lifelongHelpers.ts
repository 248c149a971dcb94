// Helpers of the lifelong-learning tests: a pure-JS classifier (no tfjs, so it runs in jest's realm) and
// a seeded table of rows whose label follows a different threshold per task.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type DataSource, type Estimator, type Metrics, type SavedModelFile } from '../src/estimator.js';
import { BaseDataSource } from '../src/dataSource.js';
import { seededRandom } from '@sedna-ts/internal';

type Row = Record<string, unknown>;

interface ThresholdModel {
  threshold: number;
  samples: number;
}

/**
 * A one-feature threshold classifier: label 1 when `x` is above the threshold learnt (between the
 * largest x of class 0 and the smallest of class 1). Fine-tuning after `load` averages the old and new thresholds by their sample counts.
 * `predict` gives `{label, probabilities}` with a confidence that grows with the distance to the threshold.
 */
export class ThresholdEstimator implements Estimator<Row, { label: number; probabilities: number[] }> {
  static trained: Array<{ samples: number; from: number | undefined }> = [];
  model: ThresholdModel | undefined;

  train(data: DataSource): Metrics {
    const xs = data.x.map((r) => Number((r as Row).x));
    const ys = data.y.map(Number);
    // Noise-free data: the threshold is between the largest 0 and the smallest 1.
    const zeros = xs.filter((_, i) => ys[i] === 0);
    const ones = xs.filter((_, i) => ys[i] === 1);
    const learnt = zeros.length && ones.length ? (Math.max(...zeros) + Math.min(...ones)) / 2 : zeros.length ? Math.max(...zeros) : Math.min(...ones);
    ThresholdEstimator.trained.push({ samples: xs.length, from: this.model?.threshold });
    this.model = this.model
      ? { threshold: (this.model.threshold * this.model.samples + learnt * xs.length) / (this.model.samples + xs.length), samples: this.model.samples + xs.length }
      : { threshold: learnt, samples: xs.length };
    return { accuracy: this.accuracy(data) };
  }

  private accuracy(data: DataSource): number {
    let right = 0;
    data.x.forEach((r, i) => {
      if (this.label(Number((r as Row).x)) === Number(data.y[i])) right++;
    });
    return data.x.length ? right / data.x.length : 0;
  }

  private label(x: number): number {
    return x > (this.model as ThresholdModel).threshold ? 1 : 0;
  }

  async evaluate(data: DataSource, options: { modelPath: string }): Promise<Metrics> {
    await this.load(options.modelPath);
    return { accuracy: this.accuracy(data) };
  }

  predict(row: Row): Promise<{ label: number; probabilities: number[] }> | { label: number; probabilities: number[] } {
    if (!this.model) throw new Error('no model');
    const x = Number(row.x);
    if (!Number.isFinite(x)) throw new Error(`row without x: ${JSON.stringify(row)}`);
    const p = 1 / (1 + Math.exp(-(x - this.model.threshold) * 4));
    return { label: this.label(x), probabilities: [1 - p, p] };
  }

  async load(url: string): Promise<void> {
    this.model = JSON.parse(await readFile(url, 'utf8')) as ThresholdModel;
    const samples = Number(await readFile(join(dirname(url), 'samples.txt'), 'utf8'));
    if (samples !== this.model.samples) throw new Error(`${url}: samples.txt says ${samples}, the model ${this.model.samples}`);
  }

  async save(dir: string): Promise<SavedModelFile[]> {
    const path = join(dir, 'threshold.json');
    await writeFile(path, JSON.stringify(this.model));
    // A second file the model needs beside it (as a tabular model's standardisation).
    await writeFile(join(dir, 'samples.txt'), String(this.model?.samples));
    return [
      { path, format: 'json' },
      { path: 'samples.txt', format: 'txt' },
    ];
  }
}

/** Per-task thresholds of `rows`. */
export const THRESHOLDS: Record<string, number> = { Summer_AC: 2, Summer_NV: 6, Winter_AC: -2, Winter_NV: -6, Spring_NV: 0 };

/** `count` rows of each task key (`season_cooling`), x uniform in [-10, 10], label = x above the task's threshold. */
export function rows(keys: readonly string[], count: number, seed = 7): BaseDataSource {
  const random = seededRandom(seed);
  const data = new BaseDataSource('train');
  for (const key of keys) {
    const [season, cooling] = key.split('_') as [string, string];
    for (let i = 0; i < count; i++) {
      const x = Math.round((random() * 20 - 10) * 100) / 100;
      data.x.push({ season, cooling, x });
      data.y.push(x > (THRESHOLDS[key] as number) ? 1 : 0);
    }
  }
  return data;
}
