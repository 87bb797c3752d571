import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';

/**
 * NATS subject rules: tokens separated by `.`, none empty, no whitespace. A subject that is
 * published to has no wildcards; a pattern may use `*` for exactly one token and `>` for one
 * or more trailing tokens (last token only).
 */
function tokens(subject: string, kind: 'subject' | 'pattern'): string[] {
  const parts = subject.split('.');
  const bad = (why: string) =>
    new SwitchyardError(
      ErrorCodes.INVALID_ID,
      `${kind === 'subject' ? 'Subject' : 'Subscription pattern'} ${JSON.stringify(subject)} is invalid: ${why}.`,
      { subject },
    );
  if (subject.length === 0) throw bad('it is empty');
  parts.forEach((t, i) => {
    if (t.length === 0) throw bad(`token ${i + 1} is empty`);
    if (/\s/u.test(t)) throw bad(`token ${i + 1} contains whitespace`);
    if (kind === 'subject' && (t.includes('*') || t.includes('>')))
      throw bad('wildcards are only allowed in subscription patterns');
    if (kind === 'pattern' && t !== '*' && t !== '>' && (t.includes('*') || t.includes('>')))
      throw bad(`token ${i + 1} mixes a wildcard with other characters`);
    if (kind === 'pattern' && t === '>' && i !== parts.length - 1) throw bad('`>` may only be the last token');
  });
  return parts;
}

/** A well-formed publish subject: non-empty tokens without whitespace or wildcards. */
const VALID_SUBJECT = /^[^\s.*>]+(?:\.[^\s.*>]+)*$/u;

/** Throws `INVALID_ID` unless `subject` can be published to (one regex test on the hot path; details only on failure). */
export function assertSubject(subject: string): void {
  if (!VALID_SUBJECT.test(subject)) tokens(subject, 'subject');
}

/** A compiled subscription pattern. */
export class SubjectPattern {
  readonly pattern: string;
  readonly #tokens: readonly string[];
  readonly #tail: boolean;

  /** @throws SwitchyardError `INVALID_ID` for a malformed pattern */
  constructor(pattern: string) {
    this.pattern = pattern;
    const parts = tokens(pattern, 'pattern');
    this.#tail = parts[parts.length - 1] === '>';
    this.#tokens = this.#tail ? parts.slice(0, -1) : parts;
  }

  /** Whether a (wildcard-free) subject matches; pass its tokens when matching it against many patterns. */
  matches(subject: string, parts: readonly string[] = subject.split('.')): boolean {
    if (this.#tail ? parts.length <= this.#tokens.length : parts.length !== this.#tokens.length) return false;
    for (let i = 0; i < this.#tokens.length; i++)
      if (this.#tokens[i] !== '*' && this.#tokens[i] !== parts[i]) return false;
    return true;
  }
}
