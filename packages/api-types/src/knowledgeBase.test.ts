import { compareKbCreateTimes, KB_INDEX_FORMAT, parseKbIndex, type KbIndex, type KbTaskGroup } from './contract.js';

const group = (v: KbIndex): KbTaskGroup => v.seen_task.task_groups[0] as KbTaskGroup;

/** A valid index with one group; `edit` changes the copy before it is checked. */
function index(edit: (value: KbIndex) => void = () => undefined): unknown {
  const value: KbIndex = {
    format: KB_INDEX_FORMAT,
    namespace: 'default',
    job: 'comfort',
    create_time: '2026-01-01T10:00:00.000Z',
    round: 1,
    seen_task: {
      task_groups: [
        {
          entry: 'Summer_AC',
          tasks: [{ entry: 'Summer_AC', meta_attr: { season: 'Summer' }, sample_num: 10 }],
          model: { id: 'Summer_AC@r1', index: 0, entry: 'Summer_AC', url: '/out/train/1/Summer_AC/model.json', format: 'json', files: ['model.json', 'weights/group1.bin'], result: {}, round: 1, numberOfTrainSamples: 10 },
          sample_num: 10,
          deploy: true,
        },
      ],
      extractor: { method: 'TaskDefinitionByDataAttr', param: {}, keys: { Summer_AC: 0 } },
    },
    unseen_task: { task_groups: [], extractor: null },
  };
  const copy = structuredClone(value);
  edit(copy);
  return copy;
}

describe('parseKbIndex: create_time', () => {
  test.each(['2026-01-01T10:00:00.000Z', '2026-01-01T10:00:00Z', '2026-01-01T11:00:00.123456+01:00', '2026-01-01t10:00:00z'])('%s is an RFC 3339 time', (time) => {
    expect(parseKbIndex(index((v) => (v.create_time = time))).ok).toBe(true);
  });

  test.each(['../../../x', '2026-01-01', '2026-01-01T10:00:00', '2026-02-30T10:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T10:00:00.000Z/../x', 'yesterday'])(
    '%j is refused, naming the field and the value',
    (time) => {
      expect(parseKbIndex(index((v) => (v.create_time = time)))).toEqual({
        ok: false,
        problem: { path: 'create_time', message: `${JSON.stringify(time)} is not an RFC 3339 time (e.g. "2026-01-01T10:00:00.000Z")` },
      });
    },
  );
});

describe('parseKbIndex: model files stay in the model folder', () => {
  test.each([
    ['../../../../etc/passwd', 'has a ".." segment'],
    ['weights/../../x.bin', 'has a ".." segment'],
    ['/etc/passwd', 'is an absolute path'],
    ['C:/x.bin', 'is an absolute path'],
    ['weights\\..\\x.bin', 'contains a backslash'],
    ['model.json\u0000.bin', 'contains a NUL character'],
    ['', 'is not a non-empty string'],
  ])('%j is refused (%s), naming the path', (file, why) => {
    const parsed = parseKbIndex(index((v) => (group(v).model.files = ['model.json', file])));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problem.path).toBe('seen_task.task_groups[0].model.files[1]');
    expect(parsed.problem.message).toBe(`${JSON.stringify(file)} ${why}${why === 'is an absolute path' ? "; give a path relative to the model's folder" : why === 'has a ".." segment' ? " (a file outside the model's folder)" : ''}`);
  });

  test('the global model and a previous model are checked too; files must be a list; kb_url a string', () => {
    const hostileGlobal = index((v) => (v.global_model = { ...group(v).model, id: 'global@r1', files: ['../x'] }));
    expect(parseKbIndex(hostileGlobal)).toMatchObject({ ok: false, problem: { path: 'global_model.files[0]' } });
    const hostilePrevious = index((v) => (group(v).previous_model = { ...group(v).model, files: ['a/../../x'] }));
    expect(parseKbIndex(hostilePrevious)).toMatchObject({ ok: false, problem: { path: 'seen_task.task_groups[0].previous_model.files[0]' } });
    expect(parseKbIndex(index((v) => ((group(v).model as unknown as Record<string, unknown>).files = 'model.json')))).toMatchObject({ ok: false, problem: { path: 'seen_task.task_groups[0].model.files', message: 'is not a list' } });
    expect(parseKbIndex(index((v) => ((group(v).model as unknown as Record<string, unknown>).kb_url = 3)))).toMatchObject({ ok: false, problem: { path: 'seen_task.task_groups[0].model.kb_url' } });
    expect(parseKbIndex(index()).ok).toBe(true);
  });
});

describe('compareKbCreateTimes', () => {
  test('orders by the instant, not the text', () => {
    expect(compareKbCreateTimes('2026-01-01T10:00:00.000Z', '2026-01-01T10:00:00.001Z')).toBeLessThan(0);
    expect(compareKbCreateTimes('2026-01-01T10:30:00.000+01:00', '2026-01-01T10:00:00.000Z')).toBeLessThan(0);
    expect(compareKbCreateTimes('2026-01-01T11:00:00+01:00', '2026-01-01T10:00:00.000Z')).toBe(0);
    expect(compareKbCreateTimes('2026-01-01T10:00:00.0001Z', '2026-01-01T10:00:00.00005Z')).toBeGreaterThan(0);
    expect(compareKbCreateTimes('2026-01-01T10:00:00.1000Z', '2026-01-01T10:00:00.1Z')).toBe(0);
    expect(() => compareKbCreateTimes('x', '2026-01-01T10:00:00Z')).toThrow('compareKbCreateTimes: "x" is not an RFC 3339 time');
  });
});
