import { builtinFilters } from '@sedna-ts/hard-example-mining';
import { WorkerSdkError } from './errors.js';

/** The kinds of things ClassFactory holds: every value of the original's `ClassType`. */
export const ClassType = Object.freeze({
  GENERAL: 'general',
  HEM: 'hard_example_mining',
  FL_AGG: 'aggregation',
  /** Spelled as in the original (`learening`), so names line up. */
  MTL: 'multi_task_learening',
  UTD: 'unseen_task_detect',
  OF: 'optical_flow',
  ALGORITHM: 'algorithm',
  DATASET: 'data_process',
  CALLBACK: 'post_process_callback',
  UTP: 'unseen_task_processing',
  KM: 'knowledge_management',
  STP: 'seen_task_processing',
} as const);

/** One of the `ClassType` values. */
export type ClassTypeValue = (typeof ClassType)[keyof typeof ClassType];

/** What can be registered: a class or a function, as in the original. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Registrable = (abstract new (...args: any[]) => unknown) | ((...args: any[]) => unknown);

/** Options of `ClassFactory.register`. */
export interface RegisterOptions {
  /** Replace what is registered under the same (type, name) instead of throwing. */
  replace?: boolean;
}

/**
 * The key of the one registry of the process on `globalThis`. The SDK is built twice (ESM and
 * CommonJS): a script that `import`s it while one of its dependencies `require`s it loads both, and
 * each would otherwise keep its own registry, so a filter registered through one could not be found
 * through the other.
 */
const REGISTRY_KEY = Symbol.for('sedna-ts.worker-sdk.ClassFactory.registry');

type Registry = Map<string, Map<string, Registrable>>;

function processRegistry(): Registry {
  const holder = globalThis as { [REGISTRY_KEY]?: Registry };
  holder[REGISTRY_KEY] ??= new Map();
  return holder[REGISTRY_KEY];
}

const registry = processRegistry();

function add(target: Registrable, type: string, name: string, options: RegisterOptions): void {
  if (!name) {
    throw new WorkerSdkError('CONFIG_INVALID', `ClassFactory.register: an anonymous ${type} needs an alias`);
  }
  let byName = registry.get(type);
  if (!byName) {
    byName = new Map();
    registry.set(type, byName);
  }
  const existing = byName.get(name);
  if (existing !== undefined && existing !== target && !options.replace) {
    throw new WorkerSdkError(
      'CLASS_ALREADY_REGISTERED',
      `ClassFactory.register: ${type} "${name}" is already registered; pass { replace: true } to replace it`,
    );
  }
  byName.set(name, target);
}

/**
 * Sedna's ClassFactory: a registry of classes and functions by (type, name), so the CRD can name the
 * hard example filter, callback or algorithm a worker uses. There is one registry per process, shared
 * by the ESM and CommonJS builds of the SDK. The hard example filters of
 * `@sedna-ts/hard-example-mining` are registered at import under `ClassType.HEM` with the original
 * aliases (IBT, CrossEntropy, Threshold, Random, EdgeOnly, CloudOnly).
 *
 * @example
 * import { ClassFactory, ClassType } from '@sedna-ts/worker-sdk';
 *
 * @ClassFactory.register(ClassType.HEM, 'LowScore')   // a TS 5 standard decorator
 * class LowScoreFilter { constructor(readonly params = {}) {} filter(r: number[][]) { return r.length === 0; } }
 *
 * ClassFactory.register(ClassType.CALLBACK, 'toBoxes')(toBoxes);  // or a plain call
 * const Filter = ClassFactory.getCls(ClassType.HEM, 'LowScore');
 */
export class ClassFactory {
  private constructor() {}

  /**
   * Register under `type` with `alias` (default: the class or function name). Returns a function that
   * works as a TS 5 standard class decorator and as a plain call on a class or function; it returns
   * its argument. Registering a taken (type, name) throws `CLASS_ALREADY_REGISTERED` unless
   * `{ replace: true }`; registering the same value again is a no-op.
   */
  static register(
    type: ClassTypeValue | (string & {}) = ClassType.GENERAL,
    alias?: string,
    options: RegisterOptions = {},
  ): <T extends Registrable>(target: T, context?: { kind: string; name?: string | symbol | undefined }) => T {
    return (target, context) => {
      const contextName = typeof context?.name === 'string' ? context.name : undefined;
      add(target, type, alias ?? contextName ?? target.name, options);
      return target;
    };
  }

  /** The original's `register_cls`: register `target` under (type, alias or its name). */
  static registerCls<T extends Registrable>(target: T, type: ClassTypeValue | (string & {}) = ClassType.GENERAL, alias?: string, options: RegisterOptions = {}): T {
    add(target, type, alias ?? target.name, options);
    return target;
  }

  /**
   * The original's `register_from_package`: register every class and function a module exports, by
   * its export name. Returns the names registered.
   */
  static registerFromModule(module: Readonly<Record<string, unknown>>, type: ClassTypeValue | (string & {}) = ClassType.GENERAL, options: RegisterOptions = {}): string[] {
    const names: string[] = [];
    for (const [name, value] of Object.entries(module)) {
      if (typeof value !== 'function' || name === 'default') continue;
      add(value as Registrable, type, name, options);
      names.push(name);
    }
    return names;
  }

  /** Whether anything is registered under `type` (and `name`, when given). */
  static isExists(type: string, name?: string): boolean {
    const byName = registry.get(type);
    if (!byName) return false;
    return name === undefined ? byName.size > 0 : byName.has(name);
  }

  /**
   * The class or function registered under (type, name). Throws `CLASS_NOT_REGISTERED` with the list of
   * what is registered under that type.
   */
  static getCls<T extends Registrable = Registrable>(type: string, name: string): T {
    const found = registry.get(type)?.get(name);
    if (found === undefined) {
      const known = [...(registry.get(type)?.keys() ?? [])].sort();
      throw new WorkerSdkError(
        'CLASS_NOT_REGISTERED',
        `ClassFactory: no ${type} named ${JSON.stringify(name)}; registered: ${known.length ? known.join(', ') : '(none)'}`,
      );
    }
    return found as T;
  }

  /** The names registered under `type`, sorted. */
  static list(type: string): string[] {
    return [...(registry.get(type)?.keys() ?? [])].sort();
  }

  /** Remove (type, name). Returns whether something was removed. */
  static unregister(type: string, name: string): boolean {
    return registry.get(type)?.delete(name) ?? false;
  }
}

/**
 * Registers one of the SDK's own modules at import, unless (type, name) is taken: the other build of the
 * SDK, loaded first in this process, registered its copy (the same code), or the user registered their
 * own first. What is there stays.
 */
export function registerBuiltin(target: Registrable, type: ClassTypeValue, name: string): void {
  if (!ClassFactory.isExists(type, name)) ClassFactory.registerCls(target, type, name);
}

// The original registers its hard example filters at import, under their aliases only.
for (const [alias, cls] of Object.entries(builtinFilters)) registerBuiltin(cls, ClassType.HEM, alias);
