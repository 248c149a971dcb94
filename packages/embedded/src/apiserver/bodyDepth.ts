/**
 * How deep a request body may nest. The server's own handling of a body (pruning, defaulting,
 * validation, merge and JSON patches, the store's copies) recurses once per level, so a body nested
 * tens of thousands deep overflowed the stack and answered 500; a body deeper than this is refused
 * with 400 naming where it gets too deep. Real objects nest a few dozen levels; Kubernetes' own JSON
 * decoder stops at 10,000, past what our recursion takes.
 */
export const MAX_BODY_DEPTH = 1000;

/** Segments of a path shown in the refusal (the rest elided). */
const SHOWN_SEGMENTS = 8;

/**
 * The dotted path (first segments) where `value` nests deeper than `max` levels, or undefined when it
 * does not. Walks the value without recursion.
 */
export function tooDeepAt(value: unknown, max = MAX_BODY_DEPTH): string | undefined {
  const work: Array<{ value: unknown; depth: number; path: readonly (string | number)[] }> = [{ value, depth: 0, path: [] }];
  while (work.length > 0) {
    const { value: v, depth, path } = work.pop() as (typeof work)[number];
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return dotted(path);
    const child = (key: string | number) => (path.length < SHOWN_SEGMENTS ? [...path, key] : path);
    if (Array.isArray(v)) v.forEach((item: unknown, i) => work.push({ value: item, depth: depth + 1, path: child(i) }));
    else for (const [key, item] of Object.entries(v)) work.push({ value: item, depth: depth + 1, path: child(key) });
  }
  return undefined;
}

function dotted(path: readonly (string | number)[]): string {
  const text = path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${p}`)).join('');
  return path.length >= SHOWN_SEGMENTS ? `${text}...` : text || '(the body)';
}
