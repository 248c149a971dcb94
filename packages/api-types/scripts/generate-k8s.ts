/**
 * Derives the Kubernetes sub-schemas the Sedna kinds embed (PodTemplateSpec and everything it reaches,
 * plus the autoscaling/v2 MetricSpec and HorizontalPodAutoscalerBehavior of the JointInferenceService
 * `hpa`) and writes them to src/generated/k8s.ts as TypeScript interfaces and JSON Schema definitions.
 *
 * Sources, both maintained generators' output of the Kubernetes OpenAPI spec:
 * - kubernetes-models (its .d.ts): the shape of every type, which properties are required, string enums,
 *   and the descriptions;
 * - @kubernetes/client-node (its attributeTypeMap): whether a number is int32, int64 or a float, which
 *   the .d.ts files cannot say.
 *
 * Adjustments applied on top of the OpenAPI facts (each is Kubernetes' own validation behaviour):
 * - an optional enum property also accepts "" (the Go zero value, which Kubernetes treats as unset);
 * - `PodSpec.containers` needs at least one item.
 *
 * Usage: `npx tsx scripts/generate-k8s.ts` writes the file; `--check` exits 1 when it is stale.
 * This runs at generation time only: the package never loads kubernetes-models or client-node.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const outFile = path.resolve(here, '../src/generated/k8s.ts');

/** Roots of the derivation: kubernetes-models module path -> exported interface name. */
const ROOTS: Array<[string, string]> = [
  ['kubernetes-models/v1/PodTemplateSpec', 'IPodTemplateSpec'],
  ['kubernetes-models/autoscaling/v2/MetricSpec', 'IMetricSpec'],
  ['kubernetes-models/autoscaling/v2/HorizontalPodAutoscalerBehavior', 'IHorizontalPodAutoscalerBehavior'],
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: Json };

interface PropertyOut {
  name: string;
  optional: boolean;
  doc: string;
  tsType: string;
  schema: Schema;
}

interface DefinitionOut {
  /** OpenAPI-style key, e.g. io.k8s.api.core.v1.Container */
  key: string;
  /** TypeScript interface name, e.g. Container */
  tsName: string;
  doc: string;
  properties: PropertyOut[];
}

const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/** Aliases of kubernetes-models that are primitives with a meaning. */
const SPECIAL_ALIASES: Record<string, { schema: Schema; tsType: string }> = {
  IIoK8sApimachineryPkgApisMetaV1Time: { schema: { type: 'string', format: 'date-time' }, tsType: 'string' },
  IIoK8sApimachineryPkgApisMetaV1MicroTime: { schema: { type: 'string', format: 'date-time' }, tsType: 'string' },
  IIoK8sApimachineryPkgUtilIntstrIntOrString: {
    schema: { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
    tsType: 'number | string',
  },
  IIoK8sApimachineryPkgApiResourceQuantity: {
    schema: {
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      pattern: QUANTITY_PATTERN,
      'x-kubernetes-int-or-string': true,
    },
    tsType: 'number | string',
  },
  IIoK8sApimachineryPkgApisMetaV1FieldsV1: {
    schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    tsType: 'Record<string, unknown>',
  },
};

/** Turns a kubernetes-models file into its OpenAPI definition key prefix and its client-node class prefix. */
function locate(fileName: string): { keyPrefix: string; clientPrefix: string } {
  const norm = fileName.split(path.sep).join('/');
  let m = /kubernetes-models\/v1\/[^/]+\.d\.ts$/.exec(norm);
  if (m) return { keyPrefix: 'io.k8s.api.core.v1', clientPrefix: 'V1' };
  m = /kubernetes-models\/([a-z.0-9-]+)\/(v[0-9a-z]+)\/[^/]+\.d\.ts$/.exec(norm);
  if (m) {
    const group = m[1]!.replace(/\.k8s\.io$/, '');
    return { keyPrefix: `io.k8s.api.${group}.${m[2]}`, clientPrefix: m[2]!.replace(/^v/, 'V') };
  }
  m = /@kubernetes-models\/apimachinery\/(.+)\/[^/]+\.d\.ts$/.exec(norm);
  if (m) {
    const version = m[1]!.split('/').pop() ?? '';
    return {
      keyPrefix: `io.k8s.apimachinery.pkg.${m[1]!.split('/').join('.')}`,
      clientPrefix: version.replace(/^v/, 'V'),
    };
  }
  throw new Error(`cannot place ${fileName} in an API group`);
}

/** Number formats from @kubernetes/client-node: class name -> property -> format. */
async function loadNumberFormats(): Promise<Map<string, Map<string, string>>> {
  const client = (await import('@kubernetes/client-node')) as unknown as Record<string, unknown>;
  const out = new Map<string, Map<string, string>>();
  for (const [name, value] of Object.entries(client)) {
    const map = (value as { attributeTypeMap?: Array<{ name: string; type: string; format: string }> } | undefined)
      ?.attributeTypeMap;
    if (typeof value !== 'function' || !Array.isArray(map)) continue;
    const props = new Map<string, string>();
    for (const a of map) if (a.type === 'number' || a.type === 'Array<number>') props.set(a.name, a.format);
    out.set(name, props);
  }
  return out;
}

function firstParagraph(doc: string): string {
  // Keep the first paragraph: the full OpenAPI prose would make the declarations several times larger.
  const para = doc.split(/\n\s*\n/)[0] ?? '';
  return para.replace(/\s+/g, ' ').trim();
}

export async function deriveK8sModule(): Promise<string> {
  const formats = await loadNumberFormats();
  const modelsDir = path.dirname(require.resolve('kubernetes-models/package.json'));
  const rootFiles = ROOTS.map(([mod]) => path.join(modelsDir, `${mod.replace(/^kubernetes-models\//, '')}.d.ts`));
  const program = ts.createProgram(rootFiles, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const definitions = new Map<string, DefinitionOut>();
  const tsNames = new Map<string, string>(); // tsName -> key
  const missingFormats: string[] = [];

  function resolveDeclaration(node: ts.TypeReferenceNode): ts.Declaration {
    let symbol = checker.getSymbolAtLocation(node.typeName);
    if (!symbol) throw new Error(`unresolved type ${node.typeName.getText()}`);
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    const decl = symbol.declarations?.[0];
    if (!decl) throw new Error(`no declaration for ${node.typeName.getText()}`);
    return decl;
  }

  function visitInterface(decl: ts.InterfaceDeclaration): string {
    const { keyPrefix, clientPrefix } = locate(decl.getSourceFile().fileName);
    const shortName = decl.name.text.replace(/^I/, '');
    const key = `${keyPrefix}.${shortName}`;
    if (definitions.has(key)) return key;
    let tsName = shortName;
    const clash = tsNames.get(tsName);
    if (clash !== undefined && clash !== key) tsName = `${clientPrefix}${shortName}`;
    tsNames.set(tsName, key);
    const def: DefinitionOut = {
      key,
      tsName,
      doc: firstParagraph(ts.displayPartsToString(checker.getSymbolAtLocation(decl.name)?.getDocumentationComment(checker))),
      properties: [],
    };
    definitions.set(key, def);
    const numberFormats = formats.get(`${clientPrefix}${shortName}`);
    for (const member of decl.members) {
      if (!ts.isPropertySignature(member) || !member.type) continue;
      const name = ts.isStringLiteral(member.name) || ts.isIdentifier(member.name) ? member.name.text : member.name.getText();
      const optional = member.questionToken !== undefined;
      const symbol = checker.getSymbolAtLocation(member.name);
      const doc = firstParagraph(ts.displayPartsToString(symbol?.getDocumentationComment(checker)));
      const where = `${key}.${name}`;
      const { schema, tsType } = convert(member.type, where, (n) => {
        const f = numberFormats?.get(n);
        if (f === undefined) missingFormats.push(where);
        return f;
      }, name, optional);
      def.properties.push({ name, optional, doc, tsType, schema });
    }
    if (key === 'io.k8s.api.core.v1.PodSpec') {
      const containers = def.properties.find((p) => p.name === 'containers');
      if (containers) containers.schema.minItems = 1;
    }
    return key;
  }

  function convert(
    node: ts.TypeNode,
    where: string,
    numberFormat: (prop: string) => string | undefined,
    prop: string,
    optional: boolean,
  ): { schema: Schema; tsType: string } {
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { schema: { type: 'string' }, tsType: 'string' };
      case ts.SyntaxKind.BooleanKeyword:
        return { schema: { type: 'boolean' }, tsType: 'boolean' };
      case ts.SyntaxKind.NumberKeyword: {
        const f = numberFormat(prop);
        if (f === 'int32' || f === 'int64') return { schema: { type: 'integer', format: f }, tsType: 'number' };
        if (f === 'double' || f === 'float') return { schema: { type: 'number', format: f }, tsType: 'number' };
        // Kubernetes API conventions keep floats out of these types, so a number is an integer.
        return { schema: { type: 'integer' }, tsType: 'number' };
      }
      case ts.SyntaxKind.AnyKeyword:
      case ts.SyntaxKind.UnknownKeyword:
      case ts.SyntaxKind.ObjectKeyword:
        return { schema: { 'x-kubernetes-preserve-unknown-fields': true }, tsType: 'unknown' };
      default:
        break;
    }
    if (ts.isUnionTypeNode(node)) {
      const values: string[] = [];
      for (const t of node.types) {
        if (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)) values.push(t.literal.text);
        else throw new Error(`${where}: unsupported union member ${t.getText()}`);
      }
      if (optional && !values.includes('')) values.unshift('');
      return { schema: { type: 'string', enum: values }, tsType: values.map((v) => JSON.stringify(v)).join(' | ') };
    }
    if (ts.isTypeLiteralNode(node)) {
      const index = node.members.find(ts.isIndexSignatureDeclaration);
      if (index && node.members.length === 1 && index.type) {
        const inner = convert(index.type, `${where}{}`, numberFormat, prop, false);
        return { schema: { type: 'object', additionalProperties: inner.schema }, tsType: `Record<string, ${inner.tsType}>` };
      }
      throw new Error(`${where}: unsupported type literal ${node.getText()}`);
    }
    if (ts.isTypeReferenceNode(node)) {
      const refName = node.typeName.getText();
      if (refName === 'Array' && node.typeArguments?.length === 1) {
        const inner = convert(node.typeArguments[0]!, `${where}[]`, numberFormat, prop, false);
        const needsParens = inner.tsType.includes('|');
        return {
          schema: { type: 'array', items: inner.schema },
          tsType: needsParens ? `Array<${inner.tsType}>` : `${inner.tsType}[]`,
        };
      }
      const special = SPECIAL_ALIASES[refName];
      if (special) return { schema: structuredClone(special.schema), tsType: special.tsType };
      const decl = resolveDeclaration(node);
      if (ts.isInterfaceDeclaration(decl)) {
        const key = visitInterface(decl);
        return { schema: { $ref: `#/definitions/${key}` }, tsType: `__TS__${key}` };
      }
      if (ts.isTypeAliasDeclaration(decl)) return convert(decl.type, where, numberFormat, prop, optional);
      throw new Error(`${where}: unsupported reference ${refName}`);
    }
    throw new Error(`${where}: unsupported type node ${ts.SyntaxKind[node.kind]} ${node.getText()}`);
  }

  const rootKeys: string[] = [];
  for (const file of rootFiles) {
    const sf = program.getSourceFile(file);
    if (!sf) throw new Error(`cannot load ${file}`);
    const name = ROOTS[rootFiles.indexOf(file)]![1];
    const decl = sf.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
    if (!decl) throw new Error(`${name} not found in ${file}`);
    rootKeys.push(visitInterface(decl));
  }
  if (missingFormats.length > 0) {
    process.stderr.write(`note: no number format in client-node for ${missingFormats.length} properties (integer assumed): ${missingFormats.join(', ')}\n`);
  }
  return render([...definitions.values()].sort((a, b) => a.key.localeCompare(b.key)), rootKeys);
}

function render(defs: DefinitionOut[], rootKeys: string[]): string {
  const tsNameOf = new Map(defs.map((d) => [d.key, d.tsName]));
  const resolveTs = (t: string): string => t.replace(/__TS__([A-Za-z0-9.]+)/g, (_, k: string) => tsNameOf.get(k) ?? k);
  const pkgVersion = (name: string): string =>
    (JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  const lines: string[] = [];
  lines.push('// GENERATED by scripts/generate-k8s.ts: do not edit. Regenerate with `npm run generate -w @sedna-ts/api-types`.');
  lines.push(`// Sources: kubernetes-models ${pkgVersion('kubernetes-models')} (shapes, enums, required), @kubernetes/client-node ${pkgVersion('@kubernetes/client-node')} (number formats).`);
  lines.push('');
  lines.push("import type { JsonSchema } from '../jsonSchema.js';");
  lines.push('');
  for (const d of defs) {
    if (d.doc) lines.push(`/** ${escapeDoc(d.doc)} (Kubernetes \`${d.key}\`) */`);
    else lines.push(`/** Kubernetes \`${d.key}\` */`);
    lines.push(`export interface ${d.tsName} {`);
    for (const p of d.properties) {
      if (p.doc) lines.push(`  /** ${escapeDoc(p.doc)} */`);
      lines.push(`  ${/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(p.name) ? p.name : JSON.stringify(p.name)}${p.optional ? '?' : ''}: ${resolveTs(p.tsType)};`);
    }
    lines.push('}');
    lines.push('');
  }
  const definitions: Record<string, Schema> = {};
  for (const d of defs) {
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const p of d.properties) {
      properties[p.name] = p.schema;
      if (!p.optional) required.push(p.name);
    }
    const schema: Schema = { type: 'object', properties };
    if (required.length > 0) schema.required = required;
    definitions[d.key] = schema;
  }
  lines.push('/** Keys of the root definitions: PodTemplateSpec, autoscaling/v2 MetricSpec and HorizontalPodAutoscalerBehavior. */');
  lines.push(`export const K8S_ROOTS = ${JSON.stringify(rootKeys)} as const;`);
  lines.push('');
  lines.push('/** JSON Schema of every Kubernetes type the roots reach, keyed like the OpenAPI spec; `$ref`s are `#/definitions/<key>`. */');
  lines.push(`export const k8sDefinitions: Record<string, JsonSchema> = ${JSON.stringify(definitions, null, 1)};`);
  lines.push('');
  return lines.join('\n');
}

function escapeDoc(text: string): string {
  return text.replace(/\*\//g, '*\\/');
}

async function main(): Promise<void> {
  const text = await deriveK8sModule();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8') : '';
    if (current !== text) {
      process.stderr.write(`${path.relative(process.cwd(), outFile)} is stale: run \`npm run generate -w @sedna-ts/api-types\`\n`);
      process.exit(1);
    }
    process.stdout.write('k8s definitions are up to date\n');
    return;
  }
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  const tmp = `${outFile}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, outFile);
  process.stdout.write(`wrote ${path.relative(process.cwd(), outFile)}\n`);
}

await main();
