import type { Priority, Requirement } from '../protocol/specification.js';
import type { Complexity } from './task-draft.js';

/**
 * What kind of work a requirement asks for, read from its words: `research` (evaluate,
 * compare, choose…), `performance` (load tests, latency, throughput, "under 100 ms"),
 * `security`, `documentation` (README, guide, docs…), else `code`.
 */
export type RequirementKind = 'research' | 'performance' | 'security' | 'documentation' | 'code';

const KINDS: ReadonlyArray<readonly [RequirementKind, RegExp]> = [
  ['research', /\b(evaluate|compare|investigate|research|survey|choose|select|assess)\b/iu],
  [
    'performance',
    /\b(load[- ]test\w*|stress|benchmark\w*|throughput|latency|performance|requests per second|concurrent users)\b|\b\d+\s?(ms|milliseconds|rps)\b/iu,
  ],
  ['security', /\b(security|secure|penetration|vulnerab\w*|owasp|threat model)\b/iu],
  ['documentation', /\b(documentation|documented|document|docs|readme|guide|manual|tutorial)\b/iu],
];

/** The kind of work a requirement asks for (the first rule that matches, in the order above). */
export function requirementKind(text: string): RequirementKind {
  return KINDS.find(([, pattern]) => pattern.test(text))?.[0] ?? 'code';
}

/** Words that make work harder than its length says. */
const HARD =
  /\b(concurren\w*|distributed|real-time|realtime|stream\w*|migrat\w*|authenticat\w*|authoriz\w*|encrypt\w*|transaction\w*|atomic\w*|scal\w*|parallel\w*|cach\w*|sync\w*|crash\w*|recover\w*|consisten\w*|retr(y|ies)|idempoten\w*)\b/giu;

/**
 * A complexity estimate from the text a task covers: about one point per 12 words, 1.5 per
 * word of {@link HARD}, 0.8 per requirement beyond the first; under 1.5 is low, under 3.5
 * medium, else high. A heuristic, stated so it can be argued with; the same text always
 * gives the same answer.
 */
export function complexityOf(texts: readonly string[], base = 0): Complexity {
  let score = base + Math.max(0, texts.length - 1) * 0.8;
  for (const text of texts) {
    score += text.split(/\s+/u).filter((w) => w.length > 0).length / 12;
    score += (text.match(HARD)?.length ?? 0) * 1.5;
  }
  return score < 1.5 ? 'low' : score < 3.5 ? 'medium' : 'high';
}

const RANK: Readonly<Record<Priority, number>> = { must: 0, should: 1, could: 2 };

/** The most binding priority among requirements (`must` over `should` over `could`); `fallback` for none. */
export function priorityOfAll(requirements: readonly Requirement[], fallback: Priority): Priority {
  let best: Priority | undefined;
  for (const r of requirements) if (best === undefined || RANK[r.priority] < RANK[best]) best = r.priority;
  return best ?? fallback;
}

/** The plan's weight label of a complexity. */
export function weightOf(complexity: Complexity): 'light' | 'medium' | 'heavy' {
  return complexity === 'low' ? 'light' : complexity === 'medium' ? 'medium' : 'heavy';
}
