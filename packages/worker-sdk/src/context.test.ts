import { SednaContext } from './context.js';
import { WorkerSdkError } from './errors.js';

const ctx = (env: Record<string, string>) => new SednaContext(env);

describe('getParameters keeps the original semantics', () => {
  test('exact name first, then upper case', () => {
    expect(ctx({ batch_size: '8', BATCH_SIZE: '16' }).getParameters('batch_size')).toBe('8');
    expect(ctx({ BATCH_SIZE: '16' }).getParameters('batch_size')).toBe('16');
  });
  test('an empty value gives the default (and falls through to upper case first)', () => {
    expect(ctx({ epochs: '' }).getParameters('epochs', '1')).toBe('1');
    expect(ctx({ epochs: '', EPOCHS: '4' }).getParameters('epochs', '1')).toBe('4');
  });
  test('missing gives the default or undefined; values are not converted', () => {
    expect(ctx({}).getParameters('x')).toBeUndefined();
    expect(ctx({}).getParameters('x', 3)).toBe(3);
    expect(ctx({ x: '3' }).getParameters('x', 0)).toBe('3');
  });
});

describe('typed getters parse or throw naming the variable and its value', () => {
  test.each([
    ['getInt', { epochs: ' 12 ' }, 'epochs', 12],
    ['getInt', { EPOCHS: '-3' }, 'epochs', -3],
    ['getFloat', { lr: '1e-3' }, 'lr', 0.001],
    ['getFloat', { lr: '.5' }, 'lr', 0.5],
    ['getBool', { flag: 'TRUE' }, 'flag', true],
    ['getBool', { flag: 'off' }, 'flag', false],
    ['getBool', { flag: '1' }, 'flag', true],
    ['getList', { class_names: 'person, helmet,,helmet-on ' }, 'class_names', ['person', 'helmet', 'helmet-on']],
    ['getJSON', { input_shape: '[352, 640]' }, 'input_shape', [352, 640]],
  ] as const)('%s(%p)', (method, env, name, expected) => {
    expect((ctx(env as Record<string, string>)[method] as (n: string) => unknown)(name)).toEqual(expected);
  });

  test.each([
    ['getInt', { epochs: '1.5' }, 'epochs', 'Context: env epochs: "1.5" is not an integer'],
    ['getInt', { EPOCHS: 'ten' }, 'epochs', 'Context: env EPOCHS: "ten" is not an integer'],
    ['getFloat', { lr: '0,1' }, 'lr', 'Context: env lr: "0,1" is not a number'],
    ['getBool', { flag: 'maybe' }, 'flag', 'Context: env flag: "maybe" is not a boolean'],
    ['getJSON', { shape: '[1,' }, 'shape', 'Context: env shape: "[1," is not JSON'],
  ] as const)('%s(%p) throws', (method, env, name, message) => {
    const call = () => (ctx(env as Record<string, string>)[method] as (n: string) => unknown)(name);
    expect(call).toThrow(WorkerSdkError);
    expect(call).toThrow(message);
  });

  test('defaults apply when missing or empty', () => {
    const c = ctx({ e: '' });
    expect(c.getInt('e', 7)).toBe(7);
    expect(c.getFloat('missing', 0.5)).toBe(0.5);
    expect(c.getBool('missing', true)).toBe(true);
    expect(c.getList('missing', ['a'])).toEqual(['a']);
    expect(c.getJSON('missing', { a: 1 })).toEqual({ a: 1 });
    expect(c.getInt('missing')).toBeUndefined();
  });
});

describe('getAlgorithmFromApi parses <ALGO>_NAME and <ALGO>_PARAMETERS', () => {
  const crd = JSON.stringify([
    { key: 'threshold_img', value: '0.9' },
    { key: 'threshold_box', value: '0.9' },
    { value: 'no key: skipped' },
    { key: 'no_value' },
  ]);

  test('the CRD ParaSpec list becomes a map; the caller wins', () => {
    expect(ctx({ HEM_NAME: 'IBT', HEM_PARAMETERS: crd }).getAlgorithmFromApi('HEM', { threshold_img: 0.8 })).toEqual({
      method: 'IBT',
      param: { threshold_img: 0.8, threshold_box: '0.9', no_value: '' },
    });
  });

  test('no name gives undefined, even with caller parameters (as the original returns {})', () => {
    expect(ctx({ HEM_PARAMETERS: crd }).getAlgorithmFromApi('hem', { threshold_img: 0.9 })).toBeUndefined();
  });

  test('no parameters gives the caller parameters only', () => {
    expect(ctx({ HEM_NAME: 'Random' }).getAlgorithmFromApi('HEM', { random_ratio: 0.2 })).toEqual({ method: 'Random', param: { random_ratio: 0.2 } });
  });

  test('a JSON object is accepted too', () => {
    expect(ctx({ HEM_NAME: 'IBT', HEM_PARAMETERS: '{"threshold_img": 0.7}' }).getAlgorithmFromApi('HEM')).toEqual({ method: 'IBT', param: { threshold_img: 0.7 } });
  });

  test('malformed parameters throw naming the variable (the original silently used none)', () => {
    expect(() => ctx({ HEM_NAME: 'IBT', HEM_PARAMETERS: '[{"key":' }).getAlgorithmFromApi('HEM')).toThrow('Context: env HEM_PARAMETERS: "[{\\"key\\":" is not JSON');
    expect(() => ctx({ HEM_NAME: 'IBT', HEM_PARAMETERS: '3' }).getAlgorithmFromApi('HEM')).toThrow('is not a JSON list of {key, value} or a JSON object');
  });
});
