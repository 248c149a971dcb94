/**
 * Every Kubernetes API call the Global Manager makes, as RBAC names it: what deploy/rbac/gm.yaml grants
 * (a ClusterRole, and a Role in the GM's namespace for the Lease). The deploy package's tests check the
 * grants against this list and run the GM through a round against the embedded API server, whose audit
 * must show no call outside it.
 */

/** One kind of call: the API group, the resource (`resource/subresource`), the verbs, and why. */
export interface ApiAccess {
  group: string;
  resource: string;
  verbs: readonly string[];
  /** `cluster`: in every namespace (ClusterRole); `gm-namespace`: in the GM's own namespace only (Role). */
  scope: 'cluster' | 'gm-namespace';
  why: string;
}

/** What the GM calls (see the module comment). */
export const KUBERNETES_API_ACCESS: readonly ApiAccess[] = [
  { group: 'sedna.io', resource: 'datasets', verbs: ['get', 'list', 'watch'], scope: 'cluster', why: 'informer; a fresh read after a 409 on its status' },
  { group: 'sedna.io', resource: 'models', verbs: ['list', 'watch'], scope: 'cluster', why: 'informer' },
  { group: 'sedna.io', resource: 'incrementallearningjobs', verbs: ['get', 'list', 'watch', 'patch'], scope: 'cluster', why: 'informer; finalizer and annotations by merge patch; a fresh read after a 409' },
  { group: 'sedna.io', resource: 'lifelonglearningjobs', verbs: ['get', 'list', 'watch', 'patch'], scope: 'cluster', why: 'informer; finalizer and annotations by merge patch; a fresh read after a 409' },
  { group: 'sedna.io', resource: 'datasets/status', verbs: ['update'], scope: 'cluster', why: 'numberOfSamples and conditions through the status subresource' },
  { group: 'sedna.io', resource: 'incrementallearningjobs/status', verbs: ['update'], scope: 'cluster', why: 'the state machine writes status through the subresource' },
  { group: 'sedna.io', resource: 'lifelonglearningjobs/status', verbs: ['update'], scope: 'cluster', why: 'the state machine writes status through the subresource' },
  {
    group: 'sedna.io',
    resource: 'incrementallearningjobs/finalizers',
    verbs: ['update'],
    scope: 'cluster',
    why: 'no call: worker pods carry an ownerReference with blockOwnerDeletion, which the OwnerReferencesPermissionEnforcement admission plugin checks',
  },
  {
    group: 'sedna.io',
    resource: 'lifelonglearningjobs/finalizers',
    verbs: ['update'],
    scope: 'cluster',
    why: 'no call: worker pods carry an ownerReference with blockOwnerDeletion, which the OwnerReferencesPermissionEnforcement admission plugin checks',
  },
  { group: '', resource: 'pods', verbs: ['get', 'list', 'watch', 'create', 'delete'], scope: 'cluster', why: 'worker pods (a live list before each create); the pod an LC token is bound to' },
  {
    group: '',
    resource: 'secrets',
    verbs: ['get', 'create', 'delete'],
    scope: 'cluster',
    why: "the Secret a credentialName names, when a pod is built; each worker pod's token Secret, created before the pod and deleted when it is gone",
  },
  {
    group: '',
    resource: 'events',
    verbs: ['create', 'list'],
    scope: 'cluster',
    why: "Warning events on jobs (InvalidSpec, a bad sedna.io/deadlines); a worker pod's Warning events, read when a deadline ends its stage, to say why it did not start",
  },
  { group: 'authentication.k8s.io', resource: 'tokenreviews', verbs: ['create'], scope: 'cluster', why: 'LC ServiceAccount tokens, and the tokens of dashboard users' },
  { group: 'authorization.k8s.io', resource: 'subjectaccessreviews', verbs: ['create'], scope: 'cluster', why: 'whether a dashboard user may get a job (its hard examples) or update it (label them)' },
  { group: 'coordination.k8s.io', resource: 'leases', verbs: ['get', 'create', 'update'], scope: 'gm-namespace', why: 'leader election' },
];
