// @sedna-ts/deploy: reading the deploy folder and the images' Dockerfiles offline, for its tests.

// Kubernetes objects of deploy/
export { loadKustomization, kubectlKustomize, validateObject } from './manifests.js';
export { expectedCrdFiles } from './crds.js';
export { grants } from './rbac.js';

// Dockerfiles of deploy/docker
export { parseDockerfile, copies, provenance, runClaim, stageNamed } from './dockerfile.js';
export { IMAGES } from './images.js';

// The repository
export { REPO_ROOT, DEPLOY_DIR, workspacePackages, dependencyClosure, buildContext } from './repo.js';

export type { KubeObject, LoadedObject } from './manifests.js';
export type { Dockerfile, Stage, Instruction, CopyEntry, Provenance, RunClaim, ContextView } from './dockerfile.js';
export type { ImageSpec } from './images.js';
export type { WorkspacePackage } from './repo.js';
