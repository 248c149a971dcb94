/** The images deploy/docker builds: Dockerfile, image name, and the workspace package each one runs. */
export interface ImageSpec {
  /** File under deploy/docker. */
  dockerfile: string;
  /** `name:tag` the manifests and the guide use. */
  image: string;
  /** The workspace package whose program the image runs. */
  workspacePackage: string;
}

/** Every image of deploy/docker. */
export const IMAGES: readonly ImageSpec[] = [
  { dockerfile: 'gm.Dockerfile', image: 'sedna-ts/gm:0.1', workspacePackage: '@sedna-ts/controller' },
  { dockerfile: 'lc.Dockerfile', image: 'sedna-ts/lc:0.1', workspacePackage: '@sedna-ts/local-controller' },
  { dockerfile: 'kb.Dockerfile', image: 'sedna-ts/kb:0.1', workspacePackage: '@sedna-ts/knowledge-base' },
  { dockerfile: 'dashboard.Dockerfile', image: 'sedna-ts/dashboard:0.1', workspacePackage: '@sedna-ts/dashboard' },
  { dockerfile: 'storage-initializer.Dockerfile', image: 'sedna-ts/storage-initializer:0.1', workspacePackage: '@sedna-ts/storage-initializer' },
  { dockerfile: 'worker.Dockerfile', image: 'sedna-ts/worker:0.1', workspacePackage: '@sedna-ts/worker-sdk' },
];
