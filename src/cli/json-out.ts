/** How many levels of arrays and objects {@link writeJson} takes apart before stringifying what is inside whole. */
const SPLIT_LEVELS = 6;
/** Text gathered before it is handed to the writer. */
const CHUNK_CHARS = 1 << 20;

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/** Whether `JSON.stringify` leaves an object member with this value out. */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/**
 * Writes `value` as `JSON.stringify(value, null, 2)` followed by a newline — the same bytes —
 * in pieces of about 1 MB, never as one string. The output of `step` and `simulate --json`
 * repeats the run's state (and the plan in it) in every message, so for a large plan the
 * whole text could pass the longest string V8 can hold (about 512 MB); no piece written here
 * holds more than one value found {@link SPLIT_LEVELS} levels down.
 */
export function writeJson(write: (text: string) => void, value: unknown): void {
  let buffer = '';
  const emit = (text: string) => {
    buffer += text;
    if (buffer.length >= CHUNK_CHARS) {
      write(buffer);
      buffer = '';
    }
  };
  const visit = (v: unknown, indent: string, levels: number): void => {
    if (!isContainer(v) || levels === 0) {
      const text = JSON.stringify(v, null, 2) ?? 'null';
      emit(indent === '' ? text : text.replaceAll('\n', `\n${indent}`));
      return;
    }
    const inner = `${indent}  `;
    if (Array.isArray(v)) {
      if (v.length === 0) return emit('[]');
      emit('[');
      v.forEach((item, i) => {
        emit(`${i === 0 ? '' : ','}\n${inner}`);
        visit(omitted(item) ? null : item, inner, levels - 1);
      });
      return emit(`\n${indent}]`);
    }
    const entries = Object.entries(v).filter(([, item]) => !omitted(item));
    if (entries.length === 0) return emit('{}');
    emit('{');
    entries.forEach(([key, item], i) => {
      emit(`${i === 0 ? '' : ','}\n${inner}${JSON.stringify(key)}: `);
      visit(item, inner, levels - 1);
    });
    emit(`\n${indent}}`);
  };
  visit(value, '', SPLIT_LEVELS);
  write(`${buffer}\n`);
}
