import { decodeFrameContent, encodeFrameContent } from './index.js';

test('frame content round-trips through base64 JSON as the original encodes it', () => {
  const payload = { numberOfSamples: 3 };
  const content = encodeFrameContent(payload);
  expect(content).toBe(Buffer.from('{"numberOfSamples":3}').toString('base64'));
  expect(decodeFrameContent(content)).toEqual(payload);
});

test('frame content also accepts plain JSON text', () => {
  expect(decodeFrameContent('{"a":1}')).toEqual({ a: 1 });
});
