/** What `f` threw (awaited), as `{code, message}` for the JSON report, or undefined when it did not throw. */
export async function errorOf(f: () => unknown): Promise<{ code?: string; message: string } | undefined> {
  try {
    await f();
    return undefined;
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
}
