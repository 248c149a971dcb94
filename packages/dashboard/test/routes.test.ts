// The pages' routes: each page of a job by its #route; a route with a part too many (#/jobs/a/b/c/extra,
// which showed job a/b/c) or naming no page is refused saying what a route is.
import { parseRoute } from '../web/src/routes.js';

test('a route names a page, or is refused saying what is expected', () => {
  expect(parseRoute('')).toEqual({ page: 'jobs' });
  expect(parseRoute('#/')).toEqual({ page: 'jobs' });
  expect(parseRoute('#/jobs/incrementallearningjobs/default/dash')).toEqual({ page: 'job', key: 'incrementallearningjobs/default/dash' });
  expect(parseRoute('#/jobs/incrementallearningjobs/default/dash/hard-examples')).toEqual({ page: 'examples', key: 'incrementallearningjobs/default/dash' });
  expect(parseRoute('#/jobs/incrementallearningjobs/default/dash/label/1700-01')).toEqual({ page: 'label', key: 'incrementallearningjobs/default/dash', id: '1700-01' });
  const expected = 'expected #/jobs/<plural>/<namespace>/<name>, then nothing, /hard-examples or /label/<id>';
  for (const route of ['jobs/a/b/c/extra', 'jobs/a/b', 'jobs/a/b/c/label', 'jobs/a/b/c/label/x/y', 'jobs/a/b/c/hard-examples/x', 'nothing']) {
    expect(parseRoute(`#/${route}`)).toEqual({ page: 'unknown', route, why: expected });
  }
  expect(parseRoute('#/jobs/a/%E0%A4/c')).toEqual({ page: 'unknown', route: 'jobs/a/%E0%A4/c', why: 'it is not valid percent-encoding' });
});
