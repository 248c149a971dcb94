import * as agentModule from '../../src/agent/index.js';
import * as pkg from '../../src/index.js';

test('the node agent exports exactly startNodeAgent and NodeAgentError, re-exported by the package', () => {
  expect(Object.keys(agentModule).sort()).toEqual(['NodeAgentError', 'startNodeAgent']);
  expect(pkg.startNodeAgent).toBe(agentModule.startNodeAgent);
  expect(pkg.NodeAgentError).toBe(agentModule.NodeAgentError);
  expect(typeof pkg.startNodeAgent).toBe('function');
  expect(new pkg.NodeAgentError('Api', 'x')).toBeInstanceOf(Error);
});
