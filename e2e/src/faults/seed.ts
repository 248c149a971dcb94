// The seed of a fault-suite run: SEDNA_FAULT_SEED when set (to repeat a run), else `fallback`.

/** The seed from SEDNA_FAULT_SEED, else `fallback`; throws when the variable is not an integer. */
export function faultSeed(fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const text = env.SEDNA_FAULT_SEED;
  if (text === undefined || text.trim() === '') return fallback;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`SEDNA_FAULT_SEED ${JSON.stringify(text)}: expected an integer >= 0`);
  return seed;
}
