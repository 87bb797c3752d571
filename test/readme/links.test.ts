import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { withoutCodeBlocks } from './markdown.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Whether `target` names a file from the document at `doc`: relative to it, else (for a bare mention) to the root or src/. */
function resolves(doc: string, target: string, bare: boolean): boolean {
  const bases = bare ? [dirname(join(ROOT, doc)), ROOT, join(ROOT, 'src')] : [dirname(join(ROOT, doc))];
  return bases.some((base) => existsSync(join(base, target)));
}

/** The relative targets of `[text](target)` links and `[label]: target` definitions, without their #fragment. */
function links(text: string): string[] {
  const found = [...text.matchAll(/\]\(([^)\s]+)\)/gu), ...text.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gmu)].map(
    (m) => m[1],
  );
  return found.filter((t) => !/^[a-z][a-z0-9+.-]*:|^#/iu.test(t)).map((t) => decodeURI(t.split('#')[0]));
}

/** Paths the prose names without a link: `*.md` words, and `code` spans that look like a path to a file. */
function mentions(text: string): string[] {
  const prose = withoutCodeBlocks(text);
  const md = [...prose.matchAll(/(?<![\w/.-])([\w.-]+(?:\/[\w.-]+)*\.md)\b/gu)].map((m) => m[1]);
  const code = [...prose.matchAll(/`([\w.-]+(?:\/[\w.-]+)+\.(?:ts|mjs|js|json|md))`/gu)].map((m) => m[1]);
  return [...md, ...code];
}

describe('links in README.md and docs/*.md', () => {
  it.each(DOCS)('%s: every relative link resolves to a file', (doc) => {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    const broken = links(text).filter((t) => !resolves(doc, t, false));
    expect(broken).toEqual([]);
  });

  it.each(DOCS)('%s: every file it names in prose exists', (doc) => {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    const missing = mentions(text).filter((t) => !resolves(doc, t, true));
    expect(missing.map((t) => `${relative(ROOT, join(ROOT, doc))}: ${t}`)).toEqual([]);
  });
});
