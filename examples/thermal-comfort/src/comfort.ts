// The thermal-comfort data of the example: a seeded, deterministic generator of comfort votes. Each row is
// a person in a building: the room's air temperature, humidity and air speed, their clothing and
// activity, the season and the building's cooling strategy (air conditioning or natural ventilation),
// and their thermal preference: 0 want cooler, 1 no change, 2 want warmer.
//
// The preference follows a linear rule with a comfort set-point that depends on the task (season and
// cooling): people in naturally ventilated buildings accept warmer rooms in summer and cooler ones in
// winter (adaptive comfort), people in air-conditioned ones expect the building's own set-point. One
// model per task can learn its set-point; one global model cannot tell the tasks apart (no feature
// gives the task away: clothing follows the season, whose two set-points lie on both sides of the
// other season's), so per-task models beat it.

import { seededRandom } from '@sedna-ts/internal';

/** The feature columns, in order. */
export const FEATURES = ['airTemp', 'rh', 'clo', 'met', 'airVel'] as const;
/** The columns that define tasks. */
export const ATTRIBUTES = ['season', 'cooling'] as const;
/** The label column. */
export const LABEL = 'pref';
/** The CSV header. */
export const HEADER = [...ATTRIBUTES, ...FEATURES, LABEL] as const;

/** The tasks of the first rounds. */
export const SEEN_TASKS = ['Summer_AC', 'Summer_NV', 'Winter_AC', 'Winter_NV'] as const;
/**
 * The task that appears later: Spring in naturally ventilated buildings (Spring with AC is not
 * generated, so learning it makes 5 tasks).
 */
export const UNSEEN_TASKS = ['Spring_NV'] as const;

/** Comfort set-point (°C of the heat index below) of each task. */
export const SET_POINTS: Readonly<Record<string, number>> = {
  Summer_AC: 22,
  Summer_NV: 27.5,
  Winter_AC: 24,
  Winter_NV: 18.5,
  Spring_NV: 25,
};
/** Typical clothing (clo) of each season. */
const CLOTHING: Readonly<Record<string, number>> = { Summer: 0.5, Winter: 1.0, Spring: 0.7 };
/** Half the width of the "no change" band around the set-point. */
export const BAND = 1.5;
/** Standard deviation of the vote noise (°C of heat index). */
export const NOISE = 0.4;

/** One generated row. */
export interface ComfortRow {
  season: string;
  cooling: string;
  airTemp: number;
  rh: number;
  clo: number;
  met: number;
  airVel: number;
  pref: number;
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** How warm a person feels (°C): air temperature corrected for humidity, clothing, activity and air speed. */
export function heatIndex(row: Pick<ComfortRow, 'airTemp' | 'rh' | 'clo' | 'met' | 'airVel'>): number {
  return row.airTemp + 0.04 * (row.rh - 50) + 4 * (row.clo - 0.7) + 3 * (row.met - 1.2) - 4 * row.airVel;
}

/** The noise-free preference of a row of task `key` (`<season>_<cooling>`). */
export function truePreference(key: string, row: Pick<ComfortRow, 'airTemp' | 'rh' | 'clo' | 'met' | 'airVel'>, noise = 0): number {
  const setPoint = SET_POINTS[key];
  if (setPoint === undefined) throw new Error(`thermal-comfort: task ${JSON.stringify(key)} is not one of ${Object.keys(SET_POINTS).join(', ')}`);
  const h = heatIndex(row) + noise;
  return h > setPoint + BAND ? 0 : h < setPoint - BAND ? 2 : 1;
}

/**
 * `count` rows spread evenly over `tasks`, in a seeded order (tasks interleaved, so any prefix holds
 * every task). The same arguments give the same rows.
 */
export function generate(options: { tasks: readonly string[]; count: number; seed: number }): ComfortRow[] {
  const random = seededRandom(options.seed);
  const rows: ComfortRow[] = [];
  for (let i = 0; i < options.count; i++) {
    const key = options.tasks[Math.floor(random() * options.tasks.length)] as string;
    const [season, cooling] = key.split('_') as [string, string];
    const features = {
      airTemp: round2(16 + random() * 16),
      rh: round2(20 + random() * 60),
      clo: round2(Math.max(0.2, (CLOTHING[season] ?? 0.7) + 0.15 * gaussian(random))),
      met: round2(1 + random() * 0.6),
      airVel: round2(random() * 0.4),
    };
    rows.push({ season, cooling, ...features, pref: truePreference(key, features, NOISE * gaussian(random)) });
  }
  return rows;
}

/** Rows as CSV text (with the header unless `header: false`), newline-terminated. */
export function toCsv(rows: readonly ComfortRow[], options: { header?: boolean } = {}): string {
  const lines = rows.map((r) => HEADER.map((c) => r[c]).join(','));
  if (options.header ?? true) lines.unshift(HEADER.join(','));
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** The task key of a row, as `TaskDefinitionByDataAttr` makes it. */
export const taskOf = (row: Pick<ComfortRow, 'season' | 'cooling'>): string => `${row.season}_${row.cooling}`;
