import { createHash } from 'node:crypto';
import { HelmetError } from './errors.js';
import { Random } from './random.js';
import { frameId, generateScene, parseFrameId, shade, trueBoxes } from './scene.js';
import { FRAME_HEIGHT, FRAME_WIDTH, HEAD, HELMET, SCENARIOS } from './scenarios.js';

describe('Random', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const a = new Random('x');
    const b = new Random('x');
    const c = new Random('y');
    const seqA = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(seqA);
  });

  it('keeps int, uniform and pick within their ranges', () => {
    const r = new Random('ranges');
    for (let i = 0; i < 1000; i++) {
      const n = r.int(2, 5);
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(5);
      const u = r.uniform(-1, 1);
      expect(u).toBeGreaterThanOrEqual(-1);
      expect(u).toBeLessThan(1);
    }
    expect(() => r.pick([])).toThrow(HelmetError);
  });
});

describe('frame ids', () => {
  it('round-trips and pads the index so file names sort', () => {
    expect(frameId('B', 7, 42)).toBe('B-7-000042');
    expect(parseFrameId('B-7-000042')).toEqual({ scenario: 'B', seed: 7, index: 42 });
    expect(parseFrameId('/data/images/A-1-3.png')).toEqual({ scenario: 'A', seed: 1, index: 3 });
  });

  it('rejects ids of other shapes, naming the value', () => {
    expect(() => parseFrameId('D-1-2')).toThrow('frame id: "D-1-2" is not <A|B|C>-<seed>-<index>');
    expect(() => frameId('A', -1, 0)).toThrow(expect.objectContaining({ code: 'INVALID_FRAME_ID' }));
    expect(() => frameId('A', 1, 1.5)).toThrow('frameId: index: 1.5 is not an integer');
  });
});

describe('generateScene', () => {
  it('is deterministic: the same id gives the same SVG, lighting and boxes; padding does not matter', () => {
    const one = generateScene('B-3-000010');
    const two = generateScene('B-3-10');
    expect(two).toEqual(one);
    expect(trueBoxes('B-3-000010')).toEqual(one.boxes);
  });

  it('gives different scenes for different ids', () => {
    const svgs = new Set(Array.from({ length: 30 }, (_, i) => generateScene(frameId('A', 1, i)).svg));
    expect(svgs.size).toBe(30);
  });

  it('labels every worker once, helmet or head, with an integer box inside the frame', () => {
    for (let i = 0; i < 200; i++) {
      for (const scenario of ['A', 'B'] as const) {
        const scene = generateScene(frameId(scenario, 5, i));
        expect(scene.boxes.length).toBeGreaterThanOrEqual(1);
        expect(scene.boxes.length).toBe(scene.workers.length);
        for (const b of scene.boxes) {
          expect([HELMET, HEAD]).toContain(b.cls);
          for (const v of [b.x1, b.y1, b.x2, b.y2]) expect(Number.isInteger(v)).toBe(true);
          expect(b.x1).toBeGreaterThanOrEqual(0);
          expect(b.y1).toBeGreaterThanOrEqual(0);
          expect(b.x2).toBeLessThanOrEqual(FRAME_WIDTH);
          expect(b.y2).toBeLessThanOrEqual(FRAME_HEIGHT);
          expect(b.x2 - b.x1).toBeGreaterThan(4);
          expect(b.y2 - b.y1).toBeGreaterThan(4);
        }
        for (const w of scene.workers) expect(w.box.cls).toBe(w.headwear === 'helmet' ? HELMET : HEAD);
      }
    }
  });

  it('shifts scenario B: smaller heads, darker light, other hard-hat colours, both classes present', () => {
    const stats = (scenario: 'A' | 'B') => {
      let height = 0;
      let boxes = 0;
      let gain = 0;
      const classes = new Set<number>();
      for (let i = 0; i < 300; i++) {
        const scene = generateScene(frameId(scenario, 9, i));
        gain += scene.lighting.gain;
        for (const b of scene.boxes) {
          height += b.y2 - b.y1;
          boxes++;
          classes.add(b.cls);
        }
      }
      return { height: height / boxes, gain: gain / 300, classes };
    };
    const a = stats('A');
    const b = stats('B');
    expect(b.height).toBeLessThan(a.height * 0.75);
    expect(b.gain).toBeLessThan(a.gain);
    expect([...a.classes].sort()).toEqual([HELMET, HEAD]);
    expect([...b.classes].sort()).toEqual([HELMET, HEAD]);
    const newColours = SCENARIOS.B.helmetColours.filter((c) => !SCENARIOS.A.helmetColours.includes(c));
    expect(newColours.length).toBeGreaterThanOrEqual(2);
    expect(generateScene('B-9-000001').svg).toContain('<svg');
  });

  it('draws A and B exactly as before C existed (the incremental-learning demo depends on them)', () => {
    const hash = createHash('sha256');
    for (const s of ['A', 'B'] as const) for (let i = 0; i < 20; i++) hash.update(JSON.stringify(generateScene(frameId(s, 1, i))));
    expect(hash.digest('hex')).toBe('a7c512520b61419406577e199bf133564342057eeff475a798fbf05c20a30806');
  });

  it('adds a third site C: fog over the frame, hard hats in colours neither A nor B has; A and B draw no fog', () => {
    const c = generateScene('C-3-000001');
    expect(c.scenario).toBe('C');
    expect(c.svg).toContain('id="fog"');
    expect(generateScene('C-3-000001')).toEqual(c);
    expect(generateScene('A-3-000001').svg).not.toContain('id="fog"');
    expect(generateScene('B-3-000001').svg).not.toContain('id="fog"');
    const others = [...SCENARIOS.A.helmetColours, ...SCENARIOS.B.helmetColours];
    expect(SCENARIOS.C.helmetColours.filter((colour) => others.includes(colour))).toEqual([]);
    const classes = new Set<number>();
    for (let i = 0; i < 100; i++) for (const b of generateScene(frameId('C', 9, i)).boxes) classes.add(b.cls);
    expect([...classes].sort()).toEqual([HELMET, HEAD]);
  });

  it('includes hard negatives: caps and beanies labelled head, loose helmets and buckets in hard-hat colours unlabelled', () => {
    const headwear = new Set<string>();
    const clutter = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const scene = generateScene(frameId('A', 11, i));
      for (const w of scene.workers) headwear.add(w.headwear);
      for (const c of scene.clutter) if (SCENARIOS.A.helmetColours.includes(c.colour)) clutter.add(c.kind);
    }
    expect([...headwear].sort()).toEqual(['bald', 'beanie', 'cap', 'hair', 'helmet']);
    expect([...clutter]).toEqual(expect.arrayContaining(['loose-helmet', 'bucket', 'cone']));
  });
});

describe('shade', () => {
  it('darkens below 1 and lightens above 1', () => {
    expect(shade('#808080', 0.5)).toBe('#404040');
    expect(shade('#808080', 2)).toBe('#ffffff');
    expect(shade('#123456', 1)).toBe('#123456');
  });
});
