/**
 * Whole-number rules shared by every layer that reads numbers from text (CLI flags,
 * environment variables): one definition, so `--timeout` and `SWITCHYARD_LLM_TIMEOUT_MS`
 * accept exactly the same spellings.
 */

/** The longest delay a Node timer holds (2^31 − 1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `text` as a whole number when it is plain decimal digits — no sign, spaces, exponent,
 * fraction or `0x` — and a safe integer; `undefined` otherwise.
 */
export function decimalInteger(text: string): number | undefined {
  if (!/^[0-9]+$/u.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}
