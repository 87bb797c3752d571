const OFFSET = /^([+-])(\d{2}):(\d{2})$/u;

/** Minutes east of UTC for an offset written `+08:00` / `-05:30` / `Z`; `undefined` if malformed. */
export function parseOffset(text: string): number | undefined {
  if (text === 'Z') return 0;
  const m = OFFSET.exec(text);
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  if (Number(m[2]) > 23 || Number(m[3]) > 59) return undefined;
  return m[1] === '-' ? -minutes : minutes;
}

/** The instant and offset of an ISO 8601 timestamp that states its offset; `undefined` otherwise. */
export function parseTimestamp(text: string): { ms: number; offsetMinutes: number } | undefined {
  const m = /(Z|[+-]\d{2}:\d{2})$/u.exec(text);
  if (!m || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/u.test(text)) return undefined;
  const ms = Date.parse(text);
  const offsetMinutes = parseOffset(m[1]);
  if (Number.isNaN(ms) || offsetMinutes === undefined) return undefined;
  return { ms, offsetMinutes };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * Formats epoch milliseconds as ISO 8601 with an explicit offset (`2026-02-21T10:00:01+08:00`),
 * keeping milliseconds only when there are some. `null`/`NaN` stay `null`.
 */
export function formatTimestamp(ms: number | null, offsetMinutes: number): string | null {
  if (ms === null || Number.isNaN(ms)) return null;
  const local = new Date(ms + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const frac = local.getUTCMilliseconds() === 0 ? '' : `.${pad(local.getUTCMilliseconds(), 3)}`;
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${frac}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/**
 * A clock that answers ISO 8601 UTC strings, formatting each distinct millisecond once
 * (messages stamped in the same millisecond share the string).
 */
export function isoClock(clock: () => number): () => string {
  let lastMs = Number.NaN;
  let last = '';
  return () => {
    const ms = clock();
    if (ms !== lastMs) {
      lastMs = ms;
      last = formatTimestamp(ms, 0) ?? '';
    }
    return last;
  };
}
