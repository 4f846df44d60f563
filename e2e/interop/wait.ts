/** Poll `f` every 200 ms until it returns something truthy; fail after `ms` naming `what`. */
export async function until<T>(
  what: string,
  f: () => Promise<T | undefined> | T | undefined,
  ms = scaled(15_000),
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A time bound for a slower machine: TEST_TIME_SCALE (default 1) times `ms`. The kernel VM (scripts/kernel-vm.sh)
 * emulates its CPU, so `npm test` runs the tests there with a larger scale; a case still ends as soon as it is done.
 */
export function scaled(ms: number): number {
  return ms * Number(process.env.TEST_TIME_SCALE ?? 1);
}
