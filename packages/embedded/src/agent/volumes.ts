import { closeSync, mkdirSync, openSync, rmSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '@sedna-ts/internal';
import { type ResolvedSources } from './env.js';
import { NodeAgentError } from './errors.js';
import { type PlannedVolume } from './paths.js';

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

const HOST_PATH_CHECKS: Record<string, { test: (s: Stats) => boolean; what: string }> = {
  Directory: { test: (s) => s.isDirectory(), what: 'a directory' },
  File: { test: (s) => s.isFile(), what: 'a file' },
  Socket: { test: (s) => s.isSocket(), what: 'a socket' },
  CharDevice: { test: (s) => s.isCharacterDevice(), what: 'a character device' },
  BlockDevice: { test: (s) => s.isBlockDevice(), what: 'a block device' },
};

/**
 * Makes the volumes of a pod exist on disk: checks (or creates) hostPath volumes according to their
 * `type`, creates emptyDir folders, and writes the keys of configMap and secret volumes as files
 * (secret files readable by the owner only).
 *
 * @param where names the pod in errors, e.g. `Pod default/train`.
 * @throws NodeAgentError `ContainerConfig` for a hostPath of the wrong kind or a missing source.
 */
export function prepareVolumes(volumes: Iterable<PlannedVolume>, sources: ResolvedSources, where: string): void {
  for (const volume of volumes) {
    const field = `${where}: volume ${JSON.stringify(volume.name)}`;
    switch (volume.kind) {
      case 'hostPath': {
        const existing = statOrUndefined(volume.hostPath);
        if (volume.hostPathType === 'DirectoryOrCreate') {
          if (!existing) mkdirSync(volume.hostPath, { recursive: true, mode: 0o755 });
          else if (!existing.isDirectory()) throw new NodeAgentError('ContainerConfig', `${field}: hostPath ${volume.hostPath} exists and is not a directory`);
        } else if (volume.hostPathType === 'FileOrCreate') {
          if (!existing) {
            mkdirSync(path.dirname(volume.hostPath), { recursive: true });
            closeSync(openSync(volume.hostPath, 'a', 0o644));
          } else if (!existing.isFile()) throw new NodeAgentError('ContainerConfig', `${field}: hostPath ${volume.hostPath} exists and is not a file`);
        } else if (volume.hostPathType !== '') {
          const check = HOST_PATH_CHECKS[volume.hostPathType];
          if (!check) throw new NodeAgentError('ContainerConfig', `${field}: hostPath.type ${JSON.stringify(volume.hostPathType)} is not a hostPath type`);
          if (!existing || !check.test(existing)) {
            throw new NodeAgentError('ContainerConfig', `${field}: hostPath ${volume.hostPath} is not ${check.what} (type ${volume.hostPathType})`);
          }
        }
        break;
      }
      case 'emptyDir':
        mkdirSync(volume.hostPath, { recursive: true });
        break;
      case 'configMap':
      case 'secret': {
        const data = (volume.kind === 'configMap' ? sources.configMaps : sources.secrets).get(volume.sourceName);
        if (!data && !volume.optional) throw new NodeAgentError('ContainerConfig', `${field}: ${volume.kind} ${JSON.stringify(volume.sourceName)} not found`);
        rmSync(volume.hostPath, { recursive: true, force: true });
        mkdirSync(volume.hostPath, { recursive: true, mode: volume.kind === 'secret' ? 0o700 : 0o755 });
        const items = volume.items ?? Object.keys(data ?? {}).map((key) => ({ key, path: key }));
        for (const item of items) {
          const value = data?.[item.key];
          if (value === undefined) {
            if (volume.optional) continue;
            throw new NodeAgentError('ContainerConfig', `${field}: key ${JSON.stringify(item.key)} not found in ${volume.kind} ${JSON.stringify(volume.sourceName)}`);
          }
          const target = path.resolve(volume.hostPath, item.path);
          if (!target.startsWith(volume.hostPath + path.sep)) {
            throw new NodeAgentError('ContainerConfig', `${field}: item path ${JSON.stringify(item.path)} leaves the volume`);
          }
          mkdirSync(path.dirname(target), { recursive: true });
          writeFileAtomicSync(target, value, { durable: false });
        }
        break;
      }
    }
  }
}
