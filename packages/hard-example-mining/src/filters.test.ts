import {
  CloudOnlyFilter,
  CrossEntropyFilter,
  EdgeOnlyFilter,
  HemError,
  IBTFilter,
  RandomFilter,
  ThresholdFilter,
  builtinFilters,
  type Detections,
} from './index.js';

const box = (score: unknown): unknown[] => [0, 0, 10, 10, score, 1];
const boxes = (...scores: unknown[]): Detections => scores.map(box) as unknown as Detections;

describe('IBTFilter: hard when the share of boxes scoring <= threshold_box reaches 1 - threshold_img', () => {
  const cases: Array<[string, Record<string, string | number>, unknown, boolean]> = [
    ['empty list is not hard', {}, [], false],
    ['null is not hard', {}, null, false],
    ['undefined is not hard', {}, undefined, false],
    ['a non-list is not hard', {}, { 4: 0.1, length: 5 }, false],
    ['a box with 4 entries makes the result invalid', {}, [[0, 0, 1, 1]], false],
    ['one invalid box among valid ones makes it invalid', {}, [box(0.1), [0, 0, 1, 1]], false],
    ['a null box is invalid', {}, [box(0.1), null], false],
    ['a string score is invalid', {}, [box('0.1')], false],
    ['a score above 1 makes it invalid', {}, boxes(0.1, 1.2), false],
    ['a negative score makes it invalid', {}, boxes(0.1, -0.01), false],
    ['a NaN score makes it invalid', {}, boxes(Number.NaN), false],
    ['scores 0 and 1 are in range', {}, boxes(0, 1), true],
    ['defaults 0.5/0.5: half the boxes low is hard', {}, boxes(0.4, 0.6), true],
    ['defaults: score equal to threshold_box counts as low', {}, boxes(0.5, 0.9), true],
    ['defaults: one low box out of three is not hard', {}, boxes(0.4, 0.6, 0.7), false],
    ['helmet 0.9/0.9: one low box in ten is hard (0.1 >= 1 - 0.9)', { threshold_img: 0.9, threshold_box: 0.9 },
      boxes(0.5, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95), true],
    ['helmet 0.9/0.9: no low box is not hard', { threshold_img: 0.9, threshold_box: 0.9 }, boxes(0.95, 0.99), false],
    ['string parameters are cast like float()', { threshold_img: '0.9', threshold_box: ' 0.9 ' }, boxes(0.95, 0.5), true],
    ['threshold_img 0 needs every box low', { threshold_img: '0' }, boxes(0.1, 0.6), false],
    ['threshold_img 1 makes any valid result hard', { threshold_img: '1' }, boxes(0.99), true],
    ['an empty parameter takes the default', { threshold_img: '', threshold_box: '' }, boxes(0.4, 0.6), true],
    ['exponent notation is accepted', { threshold_box: '5e-1' }, boxes(0.5, 0.6), true],
    ['typed-array boxes work', {}, [Float32Array.of(0, 0, 1, 1, 0.25, 0)], true],
  ];
  test.each(cases)('%s', (_name, params, input, expected) => {
    expect(new IBTFilter(params).filter(input as Detections)).toBe(expected);
  });
});

describe('ThresholdFilter: hard when the mean box score is below threshold', () => {
  const cases: Array<[string, Record<string, string | number>, unknown, boolean]> = [
    ['empty list is not hard', {}, [], false],
    ['null is not hard', {}, null, false],
    ['a short box makes it invalid', {}, [[1, 2, 3, 4]], false],
    ['a string score makes it invalid (the original crashes)', {}, [box('0.2')], false],
    ['mean below the default 0.5 is hard', {}, boxes(0.2, 0.6), true],
    ['mean equal to the threshold is not hard', {}, boxes(0.4, 0.6), false],
    ['scores outside [0, 1] are averaged as they are', {}, boxes(-1, 1.5), true],
    ['scores above 1 can lift the mean', {}, boxes(0.1, 2), false],
    ['string threshold is cast', { threshold: '0.7' }, boxes(0.6, 0.7), true],
    ['an empty threshold takes the default', { threshold: '' }, boxes(0.6), false],
  ];
  test.each(cases)('%s', (_name, params, input, expected) => {
    expect(new ThresholdFilter(params).filter(input as Detections)).toBe(expected);
  });
});

describe('CrossEntropyFilter: hard when 1 - normalised entropy is below threshold_cross_entropy', () => {
  const cases: Array<[string, Record<string, string | number>, unknown, boolean]> = [
    ['empty list is not hard', {}, [], false],
    ['null is not hard', {}, null, false],
    ['a value above 1 makes it invalid', {}, [0.5, 1.5], false],
    ['a negative value makes it invalid', {}, [-0.1, 1.1], false],
    ['a NaN makes it invalid', {}, [Number.NaN, 1], false],
    ['a string makes it invalid', {}, ['0.5', 0.5], false],
    ['uniform distribution has confidence 0: hard', {}, [0.25, 0.25, 0.25, 0.25], true],
    ['a confident distribution is not hard', {}, [0.97, 0.01, 0.01, 0.01], false],
    ['p = 0 contributes 0 (the original crashes): certain answer is not hard', {}, [1, 0, 0], false],
    ['p = 0 with uncertainty elsewhere', {}, [0.5, 0.5, 0], true],
    ['one class has confidence 1: not hard at the default threshold', {}, [0.3], false],
    ['one class is hard only with a threshold above 1', { threshold_cross_entropy: '1.01' }, [0.3], true],
    ['string threshold is cast', { threshold_cross_entropy: '0.95' }, [0.9, 0.05, 0.05], true],
    ['typed arrays work', {}, Float64Array.of(0.5, 0.5), true],
  ];
  test.each(cases)('%s', (_name, params, input, expected) => {
    expect(new CrossEntropyFilter(params).filter(input as number[])).toBe(expected);
  });

  test('the confidence formula is the original one: 1 + sum(p ln p) / ln K', () => {
    const p = [0.7, 0.2, 0.1];
    const confidence = 1 + p.reduce((s, v) => s + v * Math.log(v), 0) / Math.log(3);
    expect(new CrossEntropyFilter({ threshold_cross_entropy: confidence + 1e-12 }).filter(p)).toBe(true);
    expect(new CrossEntropyFilter({ threshold_cross_entropy: confidence }).filter(p)).toBe(false);
  });
});

describe('RandomFilter: hard with probability random_ratio', () => {
  test('the same seed gives the same sequence', () => {
    const a = new RandomFilter({ random_ratio: '0.5', seed: '7' });
    const b = new RandomFilter({ random_ratio: 0.5, seed: 7 });
    const seqA = Array.from({ length: 64 }, () => a.filter(undefined));
    const seqB = Array.from({ length: 64 }, () => b.filter(undefined));
    expect(seqA).toEqual(seqB);
    expect(seqA).toContain(true);
    expect(seqA).toContain(false);
  });

  test('different seeds give different sequences', () => {
    const a = new RandomFilter({ random_ratio: 0.5, seed: 1 });
    const b = new RandomFilter({ random_ratio: 0.5, seed: 2 });
    expect(Array.from({ length: 64 }, () => a.filter(null))).not.toEqual(Array.from({ length: 64 }, () => b.filter(null)));
  });

  test('the hard share follows random_ratio over many draws', () => {
    const f = new RandomFilter({ random_ratio: '0.3', seed: 123 });
    let hard = 0;
    for (let i = 0; i < 20000; i++) if (f.filter([])) hard++;
    expect(hard / 20000).toBeGreaterThan(0.28);
    expect(hard / 20000).toBeLessThan(0.32);
  });

  test.each([
    ['ratio 0 is never hard', { random_ratio: '0', seed: 3 }, false],
    ['ratio 1 is always hard', { random_ratio: '1', seed: 3 }, true],
  ])('%s', (_name, params, expected) => {
    const f = new RandomFilter(params);
    for (let i = 0; i < 1000; i++) expect(f.filter(undefined)).toBe(expected);
  });

  test('the default ratio is 0.3 and input is ignored', () => {
    const f = new RandomFilter();
    expect(f.randomRatio).toBe(0.3);
    expect(typeof f.filter({ anything: true })).toBe('boolean');
  });
});

describe('EdgeOnly and CloudOnly filters ignore their input', () => {
  test.each([[], null, undefined, boxes(0.1), 'x'])('input %p', (input) => {
    expect(new EdgeOnlyFilter({ any: '1' }).filter(input)).toBe(false);
    expect(new CloudOnlyFilter().filter(input)).toBe(true);
  });
});

describe('parameters are validated with a message naming the filter, key and value', () => {
  test.each([
    [() => new IBTFilter({ threshold_img: 'abc' }), 'IBT: parameter threshold_img: "abc" is not a number'],
    [() => new IBTFilter({ threshold_box: '0x1' }), 'IBT: parameter threshold_box: "0x1" is not a number'],
    [() => new ThresholdFilter({ threshold: 'inf' }), 'Threshold: parameter threshold: "inf" is not a number'],
    [() => new ThresholdFilter({ threshold: Number.NaN }), 'Threshold: parameter threshold: null is not a finite number'],
    [() => new CrossEntropyFilter({ threshold_cross_entropy: '1,5' }), 'CrossEntropy: parameter threshold_cross_entropy: "1,5" is not a number'],
    [() => new RandomFilter({ random_ratio: 'half' }), 'Random: parameter random_ratio: "half" is not a number'],
    [() => new RandomFilter({ seed: '-1' }), 'Random: parameter seed: "-1" is not an integer in [0, 4294967295]'],
    [() => new RandomFilter({ seed: 1.5 }), 'Random: parameter seed: 1.5 is not an integer in [0, 4294967295]'],
  ])('%#', (make, message) => {
    expect(make).toThrow(HemError);
    expect(make).toThrow(message);
    try {
      make();
    } catch (error) {
      expect((error as HemError).code).toBe('INVALID_PARAMETER');
    }
  });

  test('unknown keys are ignored as the original ignores extra keyword arguments', () => {
    expect(new IBTFilter({ threshold_img: '0.9', other: 'x' }).thresholdImg).toBe(0.9);
  });
});

test('builtinFilters maps the original aliases to the classes', () => {
  expect(Object.keys(builtinFilters).sort()).toEqual(['CloudOnly', 'CrossEntropy', 'EdgeOnly', 'IBT', 'Random', 'Threshold']);
  expect(builtinFilters.IBT).toBe(IBTFilter);
  for (const [alias, cls] of Object.entries(builtinFilters)) {
    expect((cls as unknown as { alias: string }).alias).toBe(alias);
  }
});
