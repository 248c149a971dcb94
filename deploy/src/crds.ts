/** The CRD manifests of deploy/crds: generated from @sedna-ts/api-types, one file per kind. */
import { crdToYaml, sednaCustomResourceDefinitions } from '@sedna-ts/api-types';

/** File name (`<plural>.sedna.io.yaml`) to the text it must hold. */
export function expectedCrdFiles(): Map<string, string> {
  return new Map(sednaCustomResourceDefinitions().map((crd) => [`${crd.metadata.name}.yaml`, crdToYaml(crd)]));
}
