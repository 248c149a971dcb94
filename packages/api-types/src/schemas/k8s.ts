/**
 * The Kubernetes types the Sedna kinds embed, as schemas that reference the derived definitions in
 * ../generated/k8s.ts (`$ref: "k8s#/definitions/<key>"`). Validation registers those definitions once;
 * the CRD generator inlines them.
 */
import { Type, type TUnsafe } from '@sinclair/typebox';
import type { HorizontalPodAutoscalerBehavior, MetricSpec, ObjectMeta, PodTemplateSpec } from '../generated/k8s.js';
import { DNS1123_LABEL, DNS1123_SUBDOMAIN, MapOf, MESSAGE_KEY } from './helpers.js';

/** `$id` under which the derived Kubernetes definitions are registered. */
export const K8S_SCHEMA_ID = 'k8s';

function k8sRef<T>(key: string, description: string): TUnsafe<T> {
  return Type.Unsafe<T>({ $ref: `${K8S_SCHEMA_ID}#/definitions/${key}`, description });
}

/** A pod template, as Kubernetes' PodTemplateSpec. Fields this schema does not know are kept, never pruned. */
export const PodTemplateSpecSchema = k8sRef<PodTemplateSpec>(
  'io.k8s.api.core.v1.PodTemplateSpec',
  'PodTemplateSpec describes the data a pod should have when created from a template',
);

/** An autoscaling/v2 MetricSpec (JointInferenceService `hpa.metrics`). */
export const MetricSpecSchema = k8sRef<MetricSpec>(
  'io.k8s.api.autoscaling.v2.MetricSpec',
  'MetricSpec specifies how to scale based on a single metric',
);

/** An autoscaling/v2 HorizontalPodAutoscalerBehavior (JointInferenceService `hpa.behavior`). */
export const HorizontalPodAutoscalerBehaviorSchema = k8sRef<HorizontalPodAutoscalerBehavior>(
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerBehavior',
  'HorizontalPodAutoscalerBehavior configures the scaling behavior of the target in both Up and Down directions',
);

/**
 * The metadata of a Sedna object as validated here: name and namespace as Kubernetes accepts them, labels
 * and annotations as string maps; the API server owns the rest. The CRD declares it as a plain object, as
 * Kubernetes requires at the root.
 */
export const ObjectMetaSchema = Type.Unsafe<ObjectMeta>({
  type: 'object',
  properties: {
    name: {
      type: 'string',
      minLength: 1,
      maxLength: 253,
      pattern: DNS1123_SUBDOMAIN,
      [MESSAGE_KEY]: 'is not a valid name (lower-case letters, digits, "-" and ".", starting and ending with a letter or digit)',
    },
    generateName: { type: 'string' },
    namespace: {
      type: 'string',
      minLength: 1,
      maxLength: 63,
      pattern: DNS1123_LABEL,
      [MESSAGE_KEY]: 'is not a valid namespace (lower-case letters, digits and "-", at most 63)',
    },
    labels: MapOf(Type.String()),
    annotations: MapOf(Type.String()),
  },
});
