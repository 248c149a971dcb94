import { BaseFilter } from './baseFilter.js';
import { numberParam, seedParam, type HemParameters } from './params.js';

/**
 * A small, fast, seedable generator of uniform numbers in [0, 1) (splitmix32). Not for cryptography.
 */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let t = state ^ (state >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    t ^= t >>> 15;
    return (t >>> 0) / 4294967296;
  };
}

/**
 * Random filter (alias `Random`): a result is hard with probability `random_ratio` (default 0.3),
 * whatever it is: `uniform(0, 1) < random_ratio`.
 *
 * Ours: `random_ratio` is cast to a number (the original compares a float with the CRD's string and
 * crashes), and an optional `seed` (an integer in [0, 2^32)) makes the sequence reproducible; without
 * it, `Math.random` is used.
 *
 * @example
 * const random = new RandomFilter({ random_ratio: '0.1', seed: 42 });
 * random.filter(undefined); // the same answers in the same order on every run
 */
export class RandomFilter extends BaseFilter<unknown> {
  /** The name this filter is registered under in ClassFactory (`ClassType.HEM`). */
  static readonly alias = 'Random';
  readonly randomRatio: number;
  readonly seed: number | undefined;
  private readonly uniform: () => number;

  constructor(params: HemParameters = {}) {
    super();
    this.randomRatio = numberParam('Random', params, 'random_ratio', 0.3);
    this.seed = seedParam('Random', params, 'seed');
    this.uniform = this.seed === undefined ? Math.random : seededUniform(this.seed);
  }

  filter(_result?: unknown): boolean {
    return this.uniform() < this.randomRatio;
  }
}
