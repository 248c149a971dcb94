/* eslint-disable @typescript-eslint/no-explicit-any -- these tests walk untyped JSON schemas and documents */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { CustomResourceDefinition as K8sCrd } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import { parse } from 'yaml';
import {
  crdToYaml,
  crdsToYaml,
  sednaCustomResourceDefinitions,
  structuralSchemaViolations,
  type CustomResourceDefinition,
  type JsonSchema,
} from '../src/index.js';
import { packageDir } from './paths.js';

const crds = sednaCustomResourceDefinitions();
const byKind = (kind: string) => crds.find((c) => c.spec.names.kind === kind)!;
const schemaOf = (crd: CustomResourceDefinition) => crd.spec.versions[0]!.schema.openAPIV3Schema;

describe('generated CRD files', () => {
  test.each(crds.map((c) => c.metadata.name))('crds/%s.yaml matches the schemas (regenerate with npm run generate)', (name) => {
    const crd = crds.find((c) => c.metadata.name === name)!;
    const file = path.join(packageDir, 'crds', `${name}.yaml`);
    expect(fs.existsSync(file)).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe(crdToYaml(crd));
  });

  test('crds/ holds nothing but the generated files', () => {
    const files = fs.readdirSync(path.join(packageDir, 'crds')).sort();
    expect(files).toEqual(crds.map((c) => `${c.metadata.name}.yaml`).sort());
  });

  test('the derived Kubernetes definitions are up to date with kubernetes-models', async () => {
    // The generator loads the TypeScript compiler and @kubernetes/client-node: a child process keeps them out of jest's VM.
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'scripts/generate-k8s.ts', '--check'], { cwd: packageDir });
    expect(stdout).toContain('up to date');
  }, 120_000);

  test('the multi-document YAML parses back to the same six objects', () => {
    const docs = crdsToYaml().split(/^---$/m).slice(1).map((d) => parse(d) as unknown);
    expect(docs).toEqual(crds);
  });
});

describe('CRDs are valid apiextensions.k8s.io/v1 CustomResourceDefinitions', () => {
  test.each(crds.map((c) => c.metadata.name))('%s passes the CustomResourceDefinition schema of kubernetes-models', (name) => {
    const crd = crds.find((c) => c.metadata.name === name)!;
    expect(() => new K8sCrd(crd as never).validate()).not.toThrow();
  });

  test('the kubernetes-models check does catch a broken CRD (so the test above can fail)', () => {
    const broken = structuredClone(byKind('Dataset')) as unknown as { spec: { scope: unknown; versions: Array<{ served: unknown }> } };
    broken.spec.versions[0]!.served = 'yes';
    expect(() => new K8sCrd(broken as never).validate()).toThrow();
  });

  test.each(crds.map((c) => c.metadata.name))('%s has a structural schema', (name) => {
    expect(structuralSchemaViolations(schemaOf(crds.find((c) => c.metadata.name === name)!))).toEqual([]);
  });

  test.each(crds.map((c) => c.metadata.name))('%s stays small enough for a client-side kubectl apply (256 KiB annotation)', (name) => {
    expect(JSON.stringify(crds.find((c) => c.metadata.name === name)).length).toBeLessThan(262_144);
  });
});

describe('names, columns and subresources', () => {
  test('short names are the original ones plus the seed\'s incrementaljob and ij, and ds (kubectl-style) for Dataset', () => {
    expect(Object.fromEntries(crds.map((c) => [c.spec.names.kind, c.spec.names.shortNames ?? []]))).toEqual({
      Dataset: ['ds'],
      Model: [],
      IncrementalLearningJob: ['il', 'incrementaljob', 'ij'],
      LifelongLearningJob: ['ll'],
      JointInferenceService: ['ji'],
      FederatedLearningJob: ['fl'],
    });
  });

  test('every kind has the status subresource, group sedna.io, version v1alpha1, and the sedna category', () => {
    for (const crd of crds) {
      expect(crd.metadata.name).toBe(`${crd.spec.names.plural}.sedna.io`);
      expect(crd.spec.group).toBe('sedna.io');
      expect(crd.spec.scope).toBe('Namespaced');
      expect(crd.spec.names.categories).toEqual(['sedna']);
      expect(crd.spec.versions).toHaveLength(1);
      expect(crd.spec.versions[0]).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
    }
  });

  test('jobs print stage, status, round and age (lifelong: KB models, unseen samples, the serving round); datasets samples, node and age', () => {
    const columns = (kind: string) => byKind(kind).spec.versions[0]!.additionalPrinterColumns!.map((c) => `${c.name}=${c.jsonPath}`);
    const job = ['Stage=.status.conditions[-1].stage', 'Status=.status.conditions[-1].type', 'Round=.status.round', 'Age=.metadata.creationTimestamp'];
    expect(columns('IncrementalLearningJob')).toEqual(job);
    expect(columns('LifelongLearningJob')).toEqual([
      ...job.slice(0, 3),
      'Models=.status.knowledgeBase.AIModels.numberOfAIModels',
      'Unseen=.status.knowledgeBase.samples.numberOfUnseenSample',
      'Serving=.status.servingIndex.round',
      'Age=.metadata.creationTimestamp',
    ]);
    expect(columns('Dataset')).toEqual(['Samples=.status.numberOfSamples', 'Node=.spec.nodeName', 'Age=.metadata.creationTimestamp']);
  });
});

describe('schema content', () => {
  const il = schemaOf(byKind('IncrementalLearningJob')) as any;
  const spec = il.properties.spec;

  test('every field of the original IncrementalLearningJob CRD is there, plus maxRounds', () => {
    expect(Object.keys(spec.properties).sort()).toEqual(
      ['credentialName', 'dataset', 'deploySpec', 'evalSpec', 'initialModel', 'maxRounds', 'outputDir', 'trainSpec'].sort(),
    );
    expect(Object.keys(spec.properties.deploySpec.properties).sort()).toEqual(['hardExampleMining', 'model', 'template', 'trigger']);
    expect(spec.properties.deploySpec.properties.model.properties.pollPeriodSeconds).toMatchObject({ default: 60, minimum: 1, type: 'integer' });
    expect(spec.properties.evalSpec.properties.initialEvalModel.required).toEqual(['name']);
  });

  test('status carries round, lastGoodModel, lastDecision, deployments and lastRollback besides the original fields', () => {
    expect(Object.keys(il.properties.status.properties).sort()).toEqual(
      ['completionTime', 'conditions', 'deployments', 'lastDecision', 'lastGoodModel', 'lastRollback', 'rollbackRounds', 'round', 'startTime'].sort(),
    );
    expect(il.properties.status.properties.lastDecision.properties.decision.enum).toEqual(['Deploy', 'Keep', 'ManualDeploy', 'Rollback']);
    expect(il.properties.status.properties.lastRollback.properties.result.enum).toEqual(['Pending', 'Done', 'Refused']);
  });

  test('pod templates are the full PodTemplateSpec and keep unknown fields at every level', () => {
    const template = spec.properties.trainSpec.properties.template;
    const container = template.properties.spec.properties.containers.items;
    expect(template.properties.spec.required).toEqual(['containers']);
    expect(container.properties.image.type).toBe('string');
    expect(container.properties.ports.items.properties.containerPort).toMatchObject({ type: 'integer', format: 'int32' });
    expect(template.properties.metadata.properties.labels.additionalProperties.type).toBe('string');
    const objectsWithoutPreserve: string[] = [];
    const walk = (node: JsonSchema, at: string) => {
      if (node.type === 'object' && node.properties && node['x-kubernetes-preserve-unknown-fields'] !== true) objectsWithoutPreserve.push(at);
      for (const [k, v] of Object.entries((node.properties ?? {}) as Record<string, JsonSchema>)) walk(v, `${at}.${k}`);
      if (node.items) walk(node.items as JsonSchema, `${at}[]`);
      if (node.additionalProperties && typeof node.additionalProperties === 'object') walk(node.additionalProperties as JsonSchema, `${at}{}`);
    };
    walk(template, 'template');
    expect(objectsWithoutPreserve).toEqual([]);
  });

  test('resource quantities and int-or-string ports are int-or-string', () => {
    const container = spec.properties.trainSpec.properties.template.properties.spec.properties.containers.items;
    expect(container.properties.resources.properties.limits.additionalProperties).toMatchObject({ 'x-kubernetes-int-or-string': true });
    expect(container.properties.livenessProbe.properties.httpGet.properties.port).toEqual({
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      'x-kubernetes-int-or-string': true,
    });
  });

  test('the trigger operator is an enum with the seed\'s operators plus ne and !=', () => {
    expect(spec.properties.trainSpec.properties.trigger.properties.condition.properties.operator.enum).toEqual([
      '>=', '>', '=', '==', '<=', '<', 'ge', 'gt', 'eq', 'le', 'lt', 'ne', '!=',
    ]);
  });

  test('JointInferenceService hpa carries the autoscaling/v2 metrics and behavior', () => {
    const hpa = (schemaOf(byKind('JointInferenceService')) as any).properties.spec.properties.edgeWorker.properties.hpa;
    expect(hpa.required).toEqual(['maxReplicas']);
    expect(hpa.properties.metrics.items.properties.type.type).toBe('string');
    expect(hpa.properties.behavior.properties.scaleUp.properties.policies.items.required).toEqual(['periodSeconds', 'type', 'value']);
  });
});
