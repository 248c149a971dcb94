import { structuralSchemaViolations } from './structural.js';

const root = (spec: Record<string, unknown>) => ({ type: 'object', properties: { metadata: { type: 'object' }, spec } });

test('a typed schema with int-or-string and preserved free JSON is structural', () => {
  expect(
    structuralSchemaViolations(
      root({
        type: 'object',
        properties: {
          port: { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
          free: { 'x-kubernetes-preserve-unknown-fields': true },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
        },
      }),
    ),
  ).toEqual([]);
});

test('each structural rule is enforced', () => {
  expect(structuralSchemaViolations(root({ properties: { a: { type: 'string' } } }))).toEqual(['openAPIV3Schema.properties.spec: type is required']);
  expect(structuralSchemaViolations(root({ type: 'object', anyOf: [{ type: 'string' }] }))).toEqual([
    'openAPIV3Schema.properties.spec.anyOf[0]: type is not allowed inside allOf, anyOf, oneOf or not',
  ]);
  expect(structuralSchemaViolations(root({ type: 'object', oneOf: [{ properties: { b: {} } }] }))).toEqual([
    'openAPIV3Schema.properties.spec.oneOf[0].properties.b: must also be specified outside the junctor',
  ]);
  expect(structuralSchemaViolations(root({ type: 'object', properties: {}, additionalProperties: { type: 'string' } }))).toEqual([
    'openAPIV3Schema.properties.spec: properties and additionalProperties are mutually exclusive',
  ]);
  expect(structuralSchemaViolations(root({ $ref: '#/definitions/x' }))).toContain('openAPIV3Schema.properties.spec: $ref is not supported in apiextensions.k8s.io/v1');
  expect(structuralSchemaViolations(root({ type: 'object', 'x-sedna-message': 'm' }))).toEqual(['openAPIV3Schema.properties.spec: unknown field x-sedna-message']);
  expect(structuralSchemaViolations(root({ type: 'null' }))).toEqual([
    'openAPIV3Schema.properties.spec: type must be one of object, array, string, integer, number, boolean',
  ]);
  expect(structuralSchemaViolations({ type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } })).toEqual([
    'openAPIV3Schema.properties.metadata.properties.labels: only name and generateName may be restricted',
  ]);
});
