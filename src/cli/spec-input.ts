import { readSpecification, type SpecFormat } from '../planning/read-spec.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import type { Specification } from '../protocol/specification.js';
import { readText } from './io.js';

/** `--format`, else the file name's extension, else `undefined` (JSON when it starts with `{`). */
export function specFormat(path: string, flag: string | undefined): SpecFormat | undefined {
  if (flag !== undefined) {
    if (flag === 'md' || flag === 'markdown') return 'markdown';
    if (flag === 'json') return 'json';
    throw new SwitchyardError(ErrorCodes.USAGE_ERROR, `--format takes md or json, got ${JSON.stringify(flag)}.`, {
      flag: 'format',
    });
  }
  if (/\.(md|markdown)$/iu.test(path)) return 'markdown';
  if (/\.json$/iu.test(path)) return 'json';
  return undefined;
}

/** The specification in the file at `path` (`-`: standard input); a bad one is `INVALID_INPUT` naming it. */
export function readSpecFile(path: string, formatFlag: string | undefined): Specification {
  const format = specFormat(path, formatFlag);
  const name = path === '-' ? 'the specification from standard input' : `the specification ${JSON.stringify(path)}`;
  const spec = readSpecification(readText(path, 'specification'), { name, ...(format ? { format } : {}) });
  if (!spec.ok) throw spec.error;
  return spec.value;
}
