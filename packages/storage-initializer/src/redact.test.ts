import { MASK, maskUrlPasswords, Redactor } from './redact.js';

test('secrets are masked wherever they appear, in plain and URL-encoded form, longest first', () => {
  const redactor = new Redactor(['AKIA123', 'se/cret+1', undefined, '']);
  redactor.add('AKIA1234567');
  expect(redactor.redact('key AKIA1234567 and AKIA123, secret se/cret+1 or se%2Fcret%2B1')).toBe(
    `key ${MASK} and ${MASK}, secret ${MASK} or ${MASK}`,
  );
});

test('passwords in URLs are masked, user names kept', () => {
  expect(maskUrlPasswords('get https://reader:pa55@host/x and s3://token@bucket/k, not a@b.c')).toBe('get https://reader:***@host/x and s3://***@bucket/k, not a@b.c');
});

test('sanitize keeps name and code, masks the message, and drops everything else', () => {
  const original = Object.assign(new Error('bad key AKIA123'), { name: 'InvalidAccessKeyId', code: 'E1', AWSAccessKeyId: 'AKIA123' });
  const safe = new Redactor(['AKIA123']).sanitize(original);
  expect({ name: safe.name, message: safe.message, code: (safe as Error & { code?: string }).code }).toEqual({
    name: 'InvalidAccessKeyId',
    message: `bad key ${MASK}`,
    code: 'E1',
  });
  expect(JSON.stringify(safe)).not.toContain('AKIA123');
});
