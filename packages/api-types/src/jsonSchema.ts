/**
 * A JSON Schema object as this package writes it: draft-07 keywords plus the Kubernetes vendor extensions
 * (`x-kubernetes-*`) that CustomResourceDefinition schemas understand.
 */
export type JsonSchema = { [keyword: string]: unknown };
