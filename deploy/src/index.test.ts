import { expect, test } from '@jest/globals';
import * as api from './index.js';

test('the package exports exactly its surface', () => {
  expect(Object.keys(api).sort()).toEqual(
    [
      'DEPLOY_DIR',
      'IMAGES',
      'REPO_ROOT',
      'buildContext',
      'copies',
      'dependencyClosure',
      'expectedCrdFiles',
      'grants',
      'kubectlKustomize',
      'loadKustomization',
      'parseDockerfile',
      'provenance',
      'runClaim',
      'stageNamed',
      'validateObject',
      'workspacePackages',
    ].sort(),
  );
});
