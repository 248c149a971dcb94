import { apiVersionOf, collectionPath, Discovery, displayKind, objectPath, type ApiResource } from './discovery.js';

function resource(group: string, version: string, plural: string, kind: string, extra: Partial<ApiResource> = {}): ApiResource {
  return { group, version, resource: plural, singular: kind.toLowerCase(), kind, namespaced: true, shortNames: [], categories: [], verbs: ['get', 'list'], ...extra };
}

const discovery = Discovery.of([
  resource('', 'v1', 'events', 'Event', { shortNames: ['ev'] }),
  resource('', 'v1', 'nodes', 'Node', { namespaced: false, shortNames: ['no'] }),
  resource('events.k8s.io', 'v1', 'events', 'Event', { shortNames: ['ev'] }),
  resource('sedna.io', 'v1alpha1', 'incrementallearningjobs', 'IncrementalLearningJob', { shortNames: ['il', 'incrementaljob', 'ij'] }),
]);

test.each([
  ['ij', 'sedna.io'],
  ['IJ', 'sedna.io'],
  ['IncrementalLearningJob', 'sedna.io'],
  ['incrementallearningjob', 'sedna.io'],
  ['incrementallearningjobs.sedna.io', 'sedna.io'],
  ['ij.v1alpha1.sedna.io', 'sedna.io'],
  ['events', ''],
  ['ev', ''],
  ['events.events.k8s.io', 'events.k8s.io'],
  ['event.v1.events.k8s.io', 'events.k8s.io'],
])('%s resolves to the group %j (the core group first when several serve it)', (kind, group) => {
  expect(discovery.resolve(kind).group).toBe(group);
});

test('an unknown kind says so, with the closest served name', () => {
  expect(() => discovery.resolve('evnets')).toThrow('the server doesn\'t have a resource type "evnets": did you mean "events"?');
  expect(() => discovery.resolve('zzzzzzzz')).toThrow(/doesn't have a resource type "zzzzzzzz" \(a kind as singular/);
});

test('forKind finds the resource of an apiVersion and kind, or nothing', () => {
  expect(discovery.forKind('v1', 'Node')?.resource).toBe('nodes');
  expect(discovery.forKind('sedna.io/v1alpha1', 'IncrementalLearningJob')?.resource).toBe('incrementallearningjobs');
  expect(discovery.forKind('sedna.io/v1', 'IncrementalLearningJob')).toBeUndefined();
});

test('paths and names as the API and kubectl write them', () => {
  const ij = discovery.resolve('ij');
  const node = discovery.resolve('no');
  expect(collectionPath(ij, 'default')).toBe('/apis/sedna.io/v1alpha1/namespaces/default/incrementallearningjobs');
  expect(collectionPath(ij)).toBe('/apis/sedna.io/v1alpha1/incrementallearningjobs');
  expect(objectPath(node, 'default', 'edge-1')).toBe('/api/v1/nodes/edge-1');
  expect([apiVersionOf(ij), apiVersionOf(node)]).toEqual(['sedna.io/v1alpha1', 'v1']);
  expect([displayKind(ij), displayKind(node)]).toEqual(['incrementallearningjob.sedna.io', 'node']);
});
