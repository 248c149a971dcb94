// One ClassFactory registry per process, shared by the two builds of the SDK: a process that loads the
// CommonJS build (a dependency that `require`s the SDK) and the ES module build (the script's `import`)
// finds through one what was registered through the other. A real Node process on the built package.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../dist');

test('registered through the CommonJS build, found through the ES module build (and the reverse); the built-in filters registered once', () => {
  const script = `
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    const cjs = require(${JSON.stringify(`${dist}/index.cjs`)});
    const esm = await import(${JSON.stringify(`${dist}/index.js`)});
    if (cjs.ClassFactory === esm.ClassFactory) throw new Error('one build loaded twice: the test proves nothing');
    class LowScore { filter() { return true; } }
    cjs.ClassFactory.register(cjs.ClassType.HEM, 'LowScore')(LowScore);
    const fromCjs = esm.ClassFactory.getCls(esm.ClassType.HEM, 'LowScore') === LowScore;
    const toCjs = (name) => cjs.ClassFactory.getCls(cjs.ClassType.CALLBACK, name);
    esm.ClassFactory.registerCls(function toBoxes() { return []; }, esm.ClassType.CALLBACK);
    let taken;
    try { esm.ClassFactory.register(esm.ClassType.HEM, 'LowScore')(class Other {}); } catch (error) { taken = error.code; }
    console.log(JSON.stringify({ fromCjs, fromEsm: toCjs('toBoxes').name, taken, hem: esm.ClassFactory.list(esm.ClassType.HEM) }));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(child.stderr).toBe('');
  expect(JSON.parse(child.stdout)).toEqual({
    fromCjs: true,
    fromEsm: 'toBoxes',
    taken: 'CLASS_ALREADY_REGISTERED',
    hem: ['CloudOnly', 'CrossEntropy', 'EdgeOnly', 'IBT', 'LowScore', 'Random', 'Threshold'],
  });
});
