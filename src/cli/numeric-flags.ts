import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { MAX_TIMER_MS, decimalInteger } from '../protocol/numbers.js';

export { decimalInteger };

/** Whether a flag holds milliseconds (`--timeout`, `--*-ms`): its bound is what a timer can hold. */
function isDuration(flag: string): boolean {
  return flag === 'timeout' || flag.endsWith('-ms');
}

/**
 * The one whole-number check of the CLI: `value` must be plain decimal digits, from `min` to
 * `max` (default {@link MAX_TIMER_MS}, also for counts, so no flag holds what a timer or an
 * `int32` cannot). `undefined` when the flag was not given; anything else is `USAGE_ERROR`
 * naming the flag, the range and the value.
 */
export function wholeNumber(
  flag: string,
  value: string | undefined,
  min: number,
  max: number = MAX_TIMER_MS,
  note = '',
): number | undefined {
  if (value === undefined) return undefined;
  const n = decimalInteger(value);
  if (n === undefined || n < min || n > max) {
    const what = isDuration(flag) ? 'a whole number of milliseconds' : 'a whole number';
    const bound =
      max === MAX_TIMER_MS && isDuration(flag) ? `${max} (the longest a timer can wait, about 24.8 days)` : String(max);
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      `--${flag} must be ${what} from ${min} to ${bound}${note}, written in plain decimal digits; got ${JSON.stringify(value)}.`,
      { flag, value, min, max },
    );
  }
  return n;
}

/** A `--flag` that must be a whole number from 1 up. */
export function positiveInt(flag: string, value: string | undefined, max?: number): number | undefined {
  return wholeNumber(flag, value, 1, max);
}

/** A `--flag` that must be a whole number from 0 up. */
export function nonNegativeInt(flag: string, value: string | undefined, max?: number): number | undefined {
  return wholeNumber(flag, value, 0, max);
}

/** Worker threads: a whole number from 0 up (0 only makes sense with runtimes elsewhere). */
export function threadCount(value: string | undefined, nats: boolean): number | undefined {
  return wholeNumber(
    'threads',
    value,
    nats ? 0 : 1,
    256,
    nats ? '' : ' (0 only with --nats, when runtimes run elsewhere)',
  );
}
