/**
 * The scenarios of the example. A is the site the base model was trained on; B is a new site the
 * deployed model meets: hard hats of other colours, dark backgrounds (night shift, indoor), workers
 * farther from the camera (smaller heads), more sensor noise. C, the third site of the lifelong-learning
 * demo, is a foggy yard: a haze over everything that washes out colours and contrast, hard hats and caps
 * in colours neither A nor B has.
 */
import { HelmetError } from './errors.js';

/** The class ids of the index format, in `class_names` order. */
export const CLASS_NAMES = ['helmet', 'head'] as const;
/** A head wearing a hard hat. */
export const HELMET = 0;
/** A head without a hard hat (hair, cap, beanie, bald). */
export const HEAD = 1;

/** Frame width the generator renders (a 4:3 camera). */
export const FRAME_WIDTH = 192;
/** Frame height the generator renders. */
export const FRAME_HEIGHT = 144;

/** What a scenario draws. */
export interface ScenarioSpec {
  name: ScenarioName;
  /** Head radius (half the skull height) in frame pixels. */
  headRadius: readonly [number, number];
  /** Probability that a worker wears a hard hat. */
  pHelmet: number;
  /** Probability that a bare-headed worker wears a cap or a beanie (hard negatives). */
  pCap: number;
  helmetColours: readonly string[];
  capColours: readonly string[];
  /** Clutter (cones, barrels, buckets, signs) takes these colours: the helmet colours of the site. */
  clutterColours: readonly string[];
  vestColours: readonly string[];
  background: 'day' | 'dark';
  /** Global light gain applied to the rendered pixels. */
  gain: readonly [number, number];
  /** Standard deviation of the Gaussian sensor noise, in 0-255 units. */
  noise: readonly [number, number];
  /** Number of clutter objects. */
  clutter: readonly [number, number];
  /** Probability that something passes in front of a head. */
  pOccluded: number;
  /**
   * Fog: the opacity range of a haze laid over the whole frame, whiter near the horizon (none when
   * absent; only C has it, so A and B draw exactly what they drew before C existed).
   */
  fog?: readonly [number, number];
}

/** Scenario names as they appear in frame ids. */
export type ScenarioName = 'A' | 'B' | 'C';

const YELLOW = '#f2c200';
const WHITE = '#f1f0ea';
const ORANGE = '#ff7410';
const RED = '#d0211c';
const BLUE = '#1e5bd6';
const GREEN = '#27a04a';
const NAVY = '#1c2340';
const BLACK = '#1a1a1a';
const GREY = '#8a8a8a';
const LIME = '#8fd400';
const PINK = '#ff5fa2';
const PURPLE = '#7b3fc4';
const TEAL = '#12a6a0';

/** Every scenario by name. */
export const SCENARIOS: Readonly<Record<ScenarioName, ScenarioSpec>> = {
  A: {
    name: 'A',
    headRadius: [8, 15],
    pHelmet: 0.55,
    pCap: 0.4,
    helmetColours: [YELLOW, WHITE, ORANGE],
    capColours: [YELLOW, ORANGE, WHITE, RED, NAVY, BLACK],
    clutterColours: [YELLOW, ORANGE, WHITE, RED, GREY],
    vestColours: ['#ff8c1a', '#d8f020', '#ffd21a'],
    background: 'day',
    gain: [0.85, 1.15],
    noise: [2, 6],
    clutter: [2, 7],
    pOccluded: 0.15,
  },
  B: {
    name: 'B',
    headRadius: [5.5, 9.5],
    pHelmet: 0.55,
    pCap: 0.45,
    helmetColours: [BLUE, GREEN, RED, WHITE],
    capColours: [BLUE, GREEN, RED, BLACK, NAVY, GREY],
    clutterColours: [BLUE, GREEN, RED, WHITE, GREY],
    vestColours: ['#ff8c1a', '#d8f020', '#3fd0ff'],
    background: 'dark',
    gain: [0.55, 0.95],
    noise: [4, 10],
    clutter: [3, 8],
    pOccluded: 0.2,
  },
  C: {
    name: 'C',
    headRadius: [6.5, 12],
    pHelmet: 0.55,
    pCap: 0.45,
    helmetColours: [LIME, PINK, PURPLE, TEAL],
    capColours: [LIME, PINK, PURPLE, TEAL, BLACK, GREY],
    clutterColours: [LIME, PINK, PURPLE, TEAL, GREY],
    vestColours: ['#ff8c1a', '#d8f020', '#3fd0ff'],
    background: 'day',
    gain: [0.8, 1.05],
    noise: [3, 8],
    clutter: [2, 7],
    pOccluded: 0.15,
    fog: [0.35, 0.6],
  },
};

/** The scenario of a name, or an error naming the value. */
export function scenarioOf(name: string): ScenarioSpec {
  const spec = (SCENARIOS as Record<string, ScenarioSpec | undefined>)[name];
  if (spec === undefined) throw new HelmetError('INVALID_ARGUMENT', `scenario: ${JSON.stringify(name)} is not one of ${Object.keys(SCENARIOS).join(', ')}`);
  return spec;
}
