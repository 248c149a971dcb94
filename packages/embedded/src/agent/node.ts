import os from 'node:os';
import { type CoordinationV1Api, type CoreV1Api, PatchStrategy, setHeaderOptions, type V1Lease, V1MicroTime, type V1Node } from '@kubernetes/client-node';
import { VERSION } from '../version.js';
import { NodeAgentError } from './errors.js';
import { timestamp } from './podStatus.js';
import { apiStatusCode } from './statusWriter.js';

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The namespace of node heartbeat leases, as in Kubernetes. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** The Kubernetes name of the CPU architecture (`amd64`, `arm64`, ...). */
export function kubernetesArch(arch: string = process.arch): string {
  return arch === 'x64' ? 'amd64' : arch === 'ia32' ? '386' : arch;
}

/** What the node says about itself. */
export interface NodeIdentity {
  nodeName: string;
  nodeIP: string;
  labels: Readonly<Record<string, string>>;
}

/** The Node object to create: name, labels (hostname, os, arch, the agent's own), no taints. */
export function nodeObject(identity: NodeIdentity): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: identity.nodeName,
      labels: {
        'kubernetes.io/hostname': identity.nodeName,
        'kubernetes.io/os': os.platform(),
        'kubernetes.io/arch': kubernetesArch(),
        'sedna.io/node-agent': 'process',
        ...identity.labels,
      },
    },
    spec: {},
  };
}

/** The node status: Ready (or not), no pressure, addresses, capacity and what runs pods here. */
export function nodeStatus(identity: NodeIdentity, ready: boolean, since: string, now: string = timestamp()): object {
  const memoryKi = `${Math.floor(os.totalmem() / 1024)}Ki`;
  const resources = { cpu: String(os.availableParallelism()), memory: memoryKi, pods: '110', 'ephemeral-storage': '0' };
  const pressure = (type: string, reason: string, message: string) => ({
    type,
    status: 'False',
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: since,
  });
  return {
    conditions: [
      pressure('MemoryPressure', 'KubeletHasSufficientMemory', 'node agent has sufficient memory available'),
      pressure('DiskPressure', 'KubeletHasNoDiskPressure', 'node agent has no disk pressure'),
      pressure('PIDPressure', 'KubeletHasSufficientPID', 'node agent has sufficient PID available'),
      {
        type: 'Ready',
        status: ready ? 'True' : 'False',
        reason: ready ? 'KubeletReady' : 'KubeletNotReady',
        message: ready ? 'node agent is posting ready status' : 'node agent stopped',
        lastHeartbeatTime: now,
        lastTransitionTime: since,
      },
    ],
    addresses: [
      { type: 'InternalIP', address: identity.nodeIP },
      { type: 'Hostname', address: os.hostname() },
    ],
    capacity: resources,
    allocatable: resources,
    daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
    nodeInfo: {
      machineID: '',
      systemUUID: '',
      bootID: '',
      kernelVersion: os.release(),
      osImage: `${os.type()} ${os.release()}`,
      containerRuntimeVersion: 'process://sedna-node-agent',
      kubeletVersion: `v${VERSION}-sedna-node-agent`,
      kubeProxyVersion: '',
      operatingSystem: os.platform(),
      architecture: kubernetesArch(),
    },
  };
}

/** Registers the Node and keeps it alive: a lease renewed on every heartbeat, the Ready status refreshed. */
export class NodeRegistration {
  private readySince = timestamp();

  constructor(
    private readonly core: CoreV1Api,
    private readonly coordination: CoordinationV1Api,
    private readonly identity: NodeIdentity,
    private readonly leaseDurationSeconds: number,
  ) {}

  /**
   * Creates the Node if it does not exist (keeping an existing one and adding our labels), then marks
   * it Ready through the status subresource and takes its lease.
   * @throws NodeAgentError `Api`.
   */
  async register(): Promise<void> {
    const name = this.identity.nodeName;
    try {
      try {
        await this.core.readNode({ name });
        await this.core.patchNode({ name, body: { metadata: { labels: nodeObject(this.identity).metadata?.labels } } }, MERGE_PATCH);
      } catch (error) {
        if (apiStatusCode(error) !== 404) throw error;
        await this.core.createNode({ body: nodeObject(this.identity) });
      }
      this.readySince = timestamp();
      await this.writeStatus(true);
      await this.renewLease();
    } catch (error) {
      throw NodeAgentError.from(error, 'Api', `Node ${name}: registration`);
    }
  }

  /** Writes the node status (Ready or not) with a fresh heartbeat time. */
  async writeStatus(ready: boolean): Promise<void> {
    if (!ready) this.readySince = timestamp();
    await this.core.patchNodeStatus({ name: this.identity.nodeName, body: { status: nodeStatus(this.identity, ready, this.readySince) } }, MERGE_PATCH);
  }

  /** Renews the node's lease in kube-node-lease, creating it (and the namespace) when absent. */
  async renewLease(): Promise<void> {
    const name = this.identity.nodeName;
    const spec = { holderIdentity: name, leaseDurationSeconds: this.leaseDurationSeconds, renewTime: new V1MicroTime() };
    try {
      await this.coordination.patchNamespacedLease({ name, namespace: NODE_LEASE_NAMESPACE, body: { spec } }, MERGE_PATCH);
      return;
    } catch (error) {
      if (apiStatusCode(error) !== 404) throw error;
    }
    const body: V1Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: NODE_LEASE_NAMESPACE }, spec };
    try {
      await this.coordination.createNamespacedLease({ namespace: NODE_LEASE_NAMESPACE, body });
    } catch (error) {
      if (apiStatusCode(error) !== 404) throw error;
      await this.core.createNamespace({ body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NODE_LEASE_NAMESPACE } } }).catch((e: unknown) => {
        if (apiStatusCode(e) !== 409) throw e;
      });
      await this.coordination.createNamespacedLease({ namespace: NODE_LEASE_NAMESPACE, body });
    }
  }
}
