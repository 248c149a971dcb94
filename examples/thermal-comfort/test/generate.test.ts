import { ATTRIBUTES, FEATURES, generate, heatIndex, SET_POINTS, SEEN_TASKS, taskOf, toCsv, truePreference } from '../src/comfort.js';

describe('the thermal-comfort generator', () => {
  it('is deterministic: the same seed gives the same rows, another seed other rows', () => {
    const a = toCsv(generate({ tasks: SEEN_TASKS, count: 300, seed: 5 }));
    expect(toCsv(generate({ tasks: SEEN_TASKS, count: 300, seed: 5 }))).toBe(a);
    expect(toCsv(generate({ tasks: SEEN_TASKS, count: 300, seed: 6 }))).not.toBe(a);
    expect(a.split('\n')[0]).toBe([...ATTRIBUTES, ...FEATURES, 'pref'].join(','));
  });

  it('gives the 4 seen tasks, interleaved, each with all three preferences; Spring only with NV', () => {
    const rows = generate({ tasks: SEEN_TASKS, count: 2000, seed: 1 });
    expect(new Set(rows.slice(0, 40).map(taskOf))).toEqual(new Set(SEEN_TASKS));
    for (const task of SEEN_TASKS) {
      const mine = rows.filter((r) => taskOf(r) === task);
      expect(mine.length).toBeGreaterThan(400);
      expect(new Set(mine.map((r) => r.pref))).toEqual(new Set([0, 1, 2]));
    }
    expect(new Set(generate({ tasks: ['Spring_NV'], count: 50, seed: 2 }).map(taskOf))).toEqual(new Set(['Spring_NV']));
  });

  it('labels by the task\'s set-point: the same room is "want cooler" in one task and "want warmer" in another', () => {
    const room = { airTemp: 25, rh: 50, clo: 0.7, met: 1.2, airVel: 0 };
    expect(heatIndex(room)).toBe(25);
    expect(truePreference('Winter_NV', room)).toBe(0);
    expect(truePreference('Summer_NV', room)).toBe(2);
    expect(truePreference('Spring_NV', room)).toBe(1);
    expect(Object.keys(SET_POINTS)).toEqual(['Summer_AC', 'Summer_NV', 'Winter_AC', 'Winter_NV', 'Spring_NV']);
    expect(() => truePreference('Autumn_AC', room)).toThrow('thermal-comfort: task "Autumn_AC" is not one of');
  });

  it('noise flips only votes near a band edge', () => {
    const rows = generate({ tasks: SEEN_TASKS, count: 2000, seed: 3 });
    const flipped = rows.filter((r) => truePreference(taskOf(r), r) !== r.pref);
    expect(flipped.length / rows.length).toBeLessThan(0.1);
    for (const r of flipped) {
      const h = heatIndex(r);
      const sp = SET_POINTS[taskOf(r)] as number;
      expect(Math.min(Math.abs(h - (sp + 1.5)), Math.abs(h - (sp - 1.5)))).toBeLessThan(2);
    }
  });
});
