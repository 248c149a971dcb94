// Field tables of the Kubernetes messages whose protobuf bodies the API server decodes: the field
// numbers of k8s.io/api and k8s.io/apimachinery generated.proto, and how Go's encoding/json writes
// each field of the Go struct (struct order, `omitempty`, pointer or value).

/** Wire-level scalar types (varint ints and bools, length-delimited strings and bytes). */
export type ScalarType = 'string' | 'bytes' | 'int64' | 'int32' | 'bool';

/**
 * What a field holds: a scalar, metav1.Time (written as RFC 3339, null when zero), metav1.FieldsV1
 * (its raw JSON), a map from string to string or bytes, or a nested message.
 */
export type FieldType = ScalarType | 'time' | 'fieldsV1' | 'map<string,string>' | 'map<string,bytes>' | MessageSpec;

/** One field: its protobuf number, its JSON name, and the Go struct field's shape. */
export interface FieldSpec {
  no: number;
  name: string;
  type: FieldType;
  /** A repeated field (a Go slice). */
  repeated?: boolean;
  /** A Go pointer: absent on the wire is nil (left out with omitempty, else null). */
  pointer?: boolean;
  /** The Go JSON tag has `omitempty`. */
  omitEmpty: boolean;
}

/** A message: its fields in Go struct order (the order JSON writes them). */
export interface MessageSpec {
  name: string;
  fields: readonly FieldSpec[];
}

/** A kind whose protobuf bodies are decoded: the apiVersions it is sent as, and its message. */
export interface ProtobufKind {
  /** The envelope apiVersions accepted, or 'any' (DeleteOptions is sent in every group version). */
  apiVersions: readonly string[] | 'any';
  message: MessageSpec;
}

interface FieldOptions {
  repeated?: boolean;
  pointer?: boolean;
  /** No `omitempty` in the Go JSON tag (most fields have it). */
  always?: boolean;
}

function field(no: number, name: string, type: FieldType, options: FieldOptions = {}): FieldSpec {
  return {
    no,
    name,
    type,
    omitEmpty: options.always !== true,
    ...(options.repeated ? { repeated: true } : {}),
    ...(options.pointer ? { pointer: true } : {}),
  };
}

function message(name: string, fields: FieldSpec[]): MessageSpec {
  return { name, fields };
}

// ---- k8s.io/apimachinery ----

/** google.protobuf.Timestamp layout of metav1.Time (only the seconds reach JSON). */
export const TIMESTAMP = message('Timestamp', [field(1, 'seconds', 'int64'), field(2, 'nanos', 'int32')]);

/** runtime.TypeMeta of the envelope. */
export const TYPE_META = message('TypeMeta', [field(1, 'apiVersion', 'string'), field(2, 'kind', 'string')]);

const OWNER_REFERENCE = message('OwnerReference', [
  field(5, 'apiVersion', 'string', { always: true }),
  field(1, 'kind', 'string', { always: true }),
  field(3, 'name', 'string', { always: true }),
  field(4, 'uid', 'string', { always: true }),
  field(6, 'controller', 'bool', { pointer: true }),
  field(7, 'blockOwnerDeletion', 'bool', { pointer: true }),
]);

const MANAGED_FIELDS_ENTRY = message('ManagedFieldsEntry', [
  field(1, 'manager', 'string'),
  field(2, 'operation', 'string'),
  field(3, 'apiVersion', 'string'),
  field(4, 'time', 'time', { pointer: true }),
  field(6, 'fieldsType', 'string'),
  field(7, 'fieldsV1', 'fieldsV1', { pointer: true }),
  field(8, 'subresource', 'string'),
]);

const OBJECT_META = message('ObjectMeta', [
  field(1, 'name', 'string'),
  field(2, 'generateName', 'string'),
  field(3, 'namespace', 'string'),
  field(4, 'selfLink', 'string'),
  field(5, 'uid', 'string'),
  field(6, 'resourceVersion', 'string'),
  field(7, 'generation', 'int64'),
  field(8, 'creationTimestamp', 'time'),
  field(9, 'deletionTimestamp', 'time', { pointer: true }),
  field(10, 'deletionGracePeriodSeconds', 'int64', { pointer: true }),
  field(11, 'labels', 'map<string,string>'),
  field(12, 'annotations', 'map<string,string>'),
  field(13, 'ownerReferences', OWNER_REFERENCE, { repeated: true }),
  field(14, 'finalizers', 'string', { repeated: true }),
  field(17, 'managedFields', MANAGED_FIELDS_ENTRY, { repeated: true }),
]);

const metadata = (): FieldSpec => field(1, 'metadata', OBJECT_META);

const PRECONDITIONS = message('Preconditions', [field(1, 'uid', 'string', { pointer: true }), field(2, 'resourceVersion', 'string', { pointer: true })]);

/** metav1.DeleteOptions (kubectl drain deletes pods with one when evictions are not served). */
const DELETE_OPTIONS = message('DeleteOptions', [
  field(1, 'gracePeriodSeconds', 'int64', { pointer: true }),
  field(2, 'preconditions', PRECONDITIONS, { pointer: true }),
  field(3, 'orphanDependents', 'bool', { pointer: true }),
  field(4, 'propagationPolicy', 'string', { pointer: true }),
  field(5, 'dryRun', 'string', { repeated: true }),
]);

// ---- k8s.io/api/core/v1 ----

const CONFIG_MAP = message('ConfigMap', [
  metadata(),
  field(4, 'immutable', 'bool', { pointer: true }),
  field(2, 'data', 'map<string,string>'),
  field(3, 'binaryData', 'map<string,bytes>'),
]);

const SECRET = message('Secret', [
  metadata(),
  field(5, 'immutable', 'bool', { pointer: true }),
  field(2, 'data', 'map<string,bytes>'),
  field(4, 'stringData', 'map<string,string>'),
  field(3, 'type', 'string'),
]);

const NAMESPACE_CONDITION = message('NamespaceCondition', [
  field(1, 'type', 'string', { always: true }),
  field(2, 'status', 'string', { always: true }),
  field(4, 'lastTransitionTime', 'time'),
  field(5, 'reason', 'string'),
  field(6, 'message', 'string'),
]);

const NAMESPACE = message('Namespace', [
  metadata(),
  field(2, 'spec', message('NamespaceSpec', [field(1, 'finalizers', 'string', { repeated: true })])),
  field(3, 'status', message('NamespaceStatus', [field(1, 'phase', 'string'), field(2, 'conditions', NAMESPACE_CONDITION, { repeated: true })])),
]);

const OBJECT_REFERENCE = message('ObjectReference', [
  field(1, 'kind', 'string'),
  field(2, 'namespace', 'string'),
  field(3, 'name', 'string'),
  field(4, 'uid', 'string'),
  field(5, 'apiVersion', 'string'),
  field(6, 'resourceVersion', 'string'),
  field(7, 'fieldPath', 'string'),
]);

const SERVICE_ACCOUNT = message('ServiceAccount', [
  metadata(),
  field(2, 'secrets', OBJECT_REFERENCE, { repeated: true }),
  field(3, 'imagePullSecrets', message('LocalObjectReference', [field(1, 'name', 'string')]), { repeated: true }),
  field(4, 'automountServiceAccountToken', 'bool', { pointer: true }),
]);

// ---- k8s.io/api/authentication/v1 ----

const BOUND_OBJECT_REFERENCE = message('BoundObjectReference', [
  field(1, 'kind', 'string'),
  field(2, 'apiVersion', 'string'),
  field(3, 'name', 'string'),
  field(4, 'uid', 'string'),
]);

/** TokenRequest (kubectl create token): its spec and status fields have no omitempty. */
const TOKEN_REQUEST = message('TokenRequest', [
  metadata(),
  field(
    2,
    'spec',
    message('TokenRequestSpec', [
      field(1, 'audiences', 'string', { repeated: true, always: true }),
      field(4, 'expirationSeconds', 'int64', { pointer: true, always: true }),
      field(3, 'boundObjectRef', BOUND_OBJECT_REFERENCE, { pointer: true, always: true }),
    ]),
    { always: true },
  ),
  field(3, 'status', message('TokenRequestStatus', [field(1, 'token', 'string', { always: true }), field(2, 'expirationTimestamp', 'time', { always: true })])),
]);

/** authorization.k8s.io/v1 ResourceAttributes (fieldSelector 8 and labelSelector 9 are skipped). */
const RESOURCE_ATTRIBUTES = message('ResourceAttributes', [
  field(1, 'namespace', 'string'),
  field(2, 'verb', 'string'),
  field(3, 'group', 'string'),
  field(4, 'version', 'string'),
  field(5, 'resource', 'string'),
  field(6, 'subresource', 'string'),
  field(7, 'name', 'string'),
]);

const NON_RESOURCE_ATTRIBUTES = message('NonResourceAttributes', [field(1, 'path', 'string'), field(2, 'verb', 'string')]);

/** SelfSubjectAccessReview (kubectl auth can-i): `spec` and the status struct have no omitempty effect. */
const SELF_SUBJECT_ACCESS_REVIEW = message('SelfSubjectAccessReview', [
  metadata(),
  field(
    2,
    'spec',
    message('SelfSubjectAccessReviewSpec', [
      field(1, 'resourceAttributes', RESOURCE_ATTRIBUTES, { pointer: true }),
      field(2, 'nonResourceAttributes', NON_RESOURCE_ATTRIBUTES, { pointer: true }),
    ]),
    { always: true },
  ),
  field(
    3,
    'status',
    message('SubjectAccessReviewStatus', [field(1, 'allowed', 'bool', { always: true }), field(4, 'denied', 'bool'), field(2, 'reason', 'string'), field(3, 'evaluationError', 'string')]),
    { always: true },
  ),
]);

/** SelfSubjectRulesReview (kubectl auth can-i --list). */
const SELF_SUBJECT_RULES_REVIEW = message('SelfSubjectRulesReview', [
  metadata(),
  field(2, 'spec', message('SelfSubjectRulesReviewSpec', [field(1, 'namespace', 'string')]), { always: true }),
]);

// ---- k8s.io/api/rbac/v1 ----

const POLICY_RULE = message('PolicyRule', [
  field(1, 'verbs', 'string', { repeated: true, always: true }),
  field(2, 'apiGroups', 'string', { repeated: true }),
  field(3, 'resources', 'string', { repeated: true }),
  field(4, 'resourceNames', 'string', { repeated: true }),
  field(5, 'nonResourceURLs', 'string', { repeated: true }),
]);

const LABEL_SELECTOR = message('LabelSelector', [
  field(1, 'matchLabels', 'map<string,string>'),
  field(
    2,
    'matchExpressions',
    message('LabelSelectorRequirement', [field(1, 'key', 'string', { always: true }), field(2, 'operator', 'string', { always: true }), field(3, 'values', 'string', { repeated: true })]),
    { repeated: true },
  ),
]);

const ROLE = message('Role', [metadata(), field(2, 'rules', POLICY_RULE, { repeated: true, always: true })]);

const CLUSTER_ROLE = message('ClusterRole', [
  metadata(),
  field(2, 'rules', POLICY_RULE, { repeated: true, always: true }),
  field(3, 'aggregationRule', message('AggregationRule', [field(1, 'clusterRoleSelectors', LABEL_SELECTOR, { repeated: true })]), { pointer: true }),
]);

const SUBJECT = message('Subject', [
  field(1, 'kind', 'string', { always: true }),
  field(2, 'apiGroup', 'string'),
  field(3, 'name', 'string', { always: true }),
  field(4, 'namespace', 'string'),
]);

const ROLE_REF = message('RoleRef', [field(1, 'apiGroup', 'string', { always: true }), field(2, 'kind', 'string', { always: true }), field(3, 'name', 'string', { always: true })]);

const roleBinding = (name: string) => message(name, [metadata(), field(2, 'subjects', SUBJECT, { repeated: true }), field(3, 'roleRef', ROLE_REF, { always: true })]);

/**
 * The kinds whose protobuf bodies the server decodes, by kind: those kubectl sends as protobuf for
 * the kinds this server serves (create configmap, secret, namespace, serviceaccount, token, role,
 * clusterrole, rolebinding, clusterrolebinding; drain; auth can-i).
 */
export const PROTOBUF_KINDS: Readonly<Record<string, ProtobufKind>> = {
  ConfigMap: { apiVersions: ['v1'], message: CONFIG_MAP },
  Secret: { apiVersions: ['v1'], message: SECRET },
  Namespace: { apiVersions: ['v1'], message: NAMESPACE },
  ServiceAccount: { apiVersions: ['v1'], message: SERVICE_ACCOUNT },
  TokenRequest: { apiVersions: ['authentication.k8s.io/v1'], message: TOKEN_REQUEST },
  SelfSubjectAccessReview: { apiVersions: ['authorization.k8s.io/v1'], message: SELF_SUBJECT_ACCESS_REVIEW },
  SelfSubjectRulesReview: { apiVersions: ['authorization.k8s.io/v1'], message: SELF_SUBJECT_RULES_REVIEW },
  Role: { apiVersions: ['rbac.authorization.k8s.io/v1'], message: ROLE },
  ClusterRole: { apiVersions: ['rbac.authorization.k8s.io/v1'], message: CLUSTER_ROLE },
  RoleBinding: { apiVersions: ['rbac.authorization.k8s.io/v1'], message: roleBinding('RoleBinding') },
  ClusterRoleBinding: { apiVersions: ['rbac.authorization.k8s.io/v1'], message: roleBinding('ClusterRoleBinding') },
  DeleteOptions: { apiVersions: 'any', message: DELETE_OPTIONS },
};
