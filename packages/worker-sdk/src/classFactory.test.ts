import { CloudOnlyFilter, IBTFilter } from '@sedna-ts/hard-example-mining';
import { ClassFactory, ClassType } from './classFactory.js';
import { WorkerSdkError } from './errors.js';

const TYPE = 'test_type';
afterEach(() => {
  for (const name of ClassFactory.list(TYPE)) ClassFactory.unregister(TYPE, name);
});

test('ClassType has every original value, spelling included', () => {
  expect({ ...ClassType }).toEqual({
    GENERAL: 'general',
    HEM: 'hard_example_mining',
    FL_AGG: 'aggregation',
    MTL: 'multi_task_learening',
    UTD: 'unseen_task_detect',
    OF: 'optical_flow',
    ALGORITHM: 'algorithm',
    DATASET: 'data_process',
    CALLBACK: 'post_process_callback',
    UTP: 'unseen_task_processing',
    KM: 'knowledge_management',
    STP: 'seen_task_processing',
  });
});

test('the hard example filters are registered at import under their aliases only', () => {
  expect(ClassFactory.list(ClassType.HEM)).toEqual(['CloudOnly', 'CrossEntropy', 'EdgeOnly', 'IBT', 'Random', 'Threshold']);
  expect(ClassFactory.getCls(ClassType.HEM, 'IBT')).toBe(IBTFilter);
  expect(ClassFactory.getCls(ClassType.HEM, 'CloudOnly')).toBe(CloudOnlyFilter);
  expect(ClassFactory.isExists(ClassType.HEM, 'IBTFilter')).toBe(false);
});

test('register works as a TS 5 standard decorator, by class name or alias', () => {
  @ClassFactory.register(TYPE)
  class Plain {}
  @ClassFactory.register(TYPE, 'Aliased')
  class WithAlias {}
  expect(ClassFactory.getCls(TYPE, 'Plain')).toBe(Plain);
  expect(ClassFactory.getCls(TYPE, 'Aliased')).toBe(WithAlias);
  expect(ClassFactory.isExists(TYPE, 'WithAlias')).toBe(false);
});

test('register works as a plain function on classes and functions, and returns its argument', () => {
  const toBoxes = (x: number[]) => x;
  expect(ClassFactory.register(TYPE, 'toBoxes')(toBoxes)).toBe(toBoxes);
  const Anon = ClassFactory.register(TYPE, 'Anon')(class {});
  expect(ClassFactory.getCls(TYPE, 'Anon')).toBe(Anon);
  expect(ClassFactory.registerCls(function named() {}, TYPE).name).toBe('named');
  expect(ClassFactory.isExists(TYPE, 'named')).toBe(true);
});

test('the default type is GENERAL', () => {
  const Default = ClassFactory.register()(class DefaultTypeProbe {});
  try {
    expect(ClassFactory.getCls(ClassType.GENERAL, 'DefaultTypeProbe')).toBe(Default);
  } finally {
    ClassFactory.unregister(ClassType.GENERAL, 'DefaultTypeProbe');
  }
});

test('registering a taken name throws unless replace: true; the same value again is a no-op', () => {
  class A {}
  class B {}
  ClassFactory.registerCls(A, TYPE, 'X');
  ClassFactory.registerCls(A, TYPE, 'X');
  expect(() => ClassFactory.registerCls(B, TYPE, 'X')).toThrow('ClassFactory.register: test_type "X" is already registered; pass { replace: true } to replace it');
  expect(() => ClassFactory.register(TYPE, 'X')(B)).toThrow(WorkerSdkError);
  ClassFactory.register(TYPE, 'X', { replace: true })(B);
  expect(ClassFactory.getCls(TYPE, 'X')).toBe(B);
});

test('getCls throws one error listing what is registered', () => {
  ClassFactory.registerCls(class Z {}, TYPE);
  ClassFactory.registerCls(class Y {}, TYPE);
  try {
    ClassFactory.getCls(TYPE, 'W');
    throw new Error('not thrown');
  } catch (error) {
    expect((error as WorkerSdkError).code).toBe('CLASS_NOT_REGISTERED');
    expect((error as Error).message).toBe('ClassFactory: no test_type named "W"; registered: Y, Z');
  }
  expect(() => ClassFactory.getCls('nothing_here', 'W')).toThrow('registered: (none)');
});

test('isExists with and without a name', () => {
  expect(ClassFactory.isExists(TYPE)).toBe(false);
  ClassFactory.registerCls(class Q {}, TYPE);
  expect(ClassFactory.isExists(TYPE)).toBe(true);
  expect(ClassFactory.isExists(TYPE, 'Q')).toBe(true);
  expect(ClassFactory.isExists(TYPE, 'R')).toBe(false);
});

test('registerFromModule registers every exported class and function by export name', () => {
  const module = { One: class {}, two: () => 2, constant: 3, default: () => 0 };
  expect(ClassFactory.registerFromModule(module, TYPE)).toEqual(['One', 'two']);
  expect(ClassFactory.getCls(TYPE, 'two')).toBe(module.two);
});

test('an anonymous function without alias is refused', () => {
  expect(() => ClassFactory.registerCls((() => () => 1)(), TYPE)).toThrow('needs an alias');
});
