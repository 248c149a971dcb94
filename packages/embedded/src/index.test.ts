import { expect, test } from '@jest/globals';
import * as api from './index.js';

test('the package exports exactly its public surface', () => {
  expect(Object.keys(api).sort()).toEqual(['ApiServerError', 'DEFAULT_SERVICE_ACCOUNT_ISSUER', 'NodeAgentError', 'STORE_SCHEMA_VERSION', 'VERSION', 'podLogPath', 'startApiServer', 'startNodeAgent']);
});
