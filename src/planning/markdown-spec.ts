import { type Token, type Tokens, Lexer } from 'marked';
import type { Priority } from '../protocol/specification.js';

/**
 * Reads a plain Markdown document into the raw fields of a specification (checked afterwards
 * with `SpecificationSchema`). The mapping, documented with an example in
 * `examples/specs/README.md`:
 *
 * - the first `#` heading is the title; the paragraphs under it, or a `## Goal` (`Overview`,
 *   `Purpose`) section, the goal;
 * - each bullet of `## Requirements` (`Features`) is a requirement: an optional id before a
 *   colon (`R1:`, `**auth-1**:`), an optional `[must]` / `[should]` / `[could]` tag, else the
 *   priority its words say (must, shall, required → must; should → should; could, may,
 *   optional → could; none → should); a `(component: store)` note, or a `### store` sub-heading
 *   above it, binds it to a component; nested bullets are its details;
 * - `## Components` (`Modules`, `Architecture`) bullets: `` `id` — description `` or
 *   `id: description`, with `(language: …)`, `(depends on: a, b)`, `(exclusive: database)` notes;
 * - `## Constraints` (`Non-functional requirements`, `Limits`) and `## Acceptance criteria`
 *   (`Acceptance`, `Done when`, `Definition of done`) bullets, one entry each;
 * - `## Inputs` (`Sources`, `Data`, `References`) bullets: `id: <uri> — description`, with an
 *   optional `(asset: dataset)` note; the URI may be a link;
 * - elsewhere (the goal, any other section), every sentence or bullet that says must, shall or
 *   should is a requirement too.
 */
export interface MarkdownSpec {
  title?: string;
  goal?: string;
  requirements: Array<{ id?: string; text: string; priority: Priority; component?: string }>;
  constraints: string[];
  acceptance_criteria: string[];
  components: Array<{
    id: string;
    name?: string;
    description?: string;
    language?: string;
    depends_on: string[];
    exclusive_resources: string[];
  }>;
  inputs: Array<{ id?: string; uri?: string; description?: string; asset_type?: string }>;
}

type Section = 'intro' | 'goal' | 'requirements' | 'components' | 'constraints' | 'acceptance' | 'inputs' | 'other';

const SECTIONS: ReadonlyArray<readonly [RegExp, Section]> = [
  [/^(goal|goals|overview|purpose|summary)$/u, 'goal'],
  [/^(functional )?requirements$|^features$/u, 'requirements'],
  [/^(components|modules|architecture)$/u, 'components'],
  [/^(constraints|non-functional requirements|limits)$/u, 'constraints'],
  [/^(acceptance criteria|acceptance|done when|definition of done)$/u, 'acceptance'],
  [/^(inputs|sources|data|references)$/u, 'inputs'],
];

function sectionOf(heading: string): Section {
  const name = heading.trim().toLowerCase().replace(/[:.]$/u, '');
  return SECTIONS.find(([pattern]) => pattern.test(name))?.[1] ?? 'other';
}

/** The priority a sentence's words give, or `undefined` when it says none of them. */
export function priorityOf(text: string): Priority | undefined {
  if (/\b(must|shall|required|requires)\b/iu.test(text)) return 'must';
  if (/\bshould\b/iu.test(text)) return 'should';
  if (/\b(could|may|optional|optionally|nice to have)\b/iu.test(text)) return 'could';
  return undefined;
}

/** Inline tokens as plain text; the hrefs of links are collected in `links`. */
function plain(tokens: readonly Token[] | undefined, links: string[]): string {
  let out = '';
  for (const t of tokens ?? []) {
    if (t.type === 'link') {
      links.push((t as Tokens.Link).href);
      out += plain((t as Tokens.Link).tokens, links);
    } else if (t.type === 'list') {
      continue;
    } else if ('tokens' in t && Array.isArray(t.tokens) && t.type !== 'codespan') {
      out += plain(t.tokens as Token[], links);
    } else if (t.type === 'br') {
      out += ' ';
    } else if ('text' in t && typeof t.text === 'string') {
      out += t.text;
    }
  }
  return out.replace(/\s+/gu, ' ').trim();
}

interface Item {
  readonly text: string;
  readonly details: readonly string[];
  readonly links: readonly string[];
}

function itemsOf(list: Tokens.List): Item[] {
  return list.items.map((item) => {
    const links: string[] = [];
    const text = plain(item.tokens, links);
    const details: string[] = [];
    for (const t of item.tokens)
      if (t.type === 'list') for (const sub of itemsOf(t as Tokens.List)) details.push(sub.text, ...sub.details);
    return { text, details, links };
  });
}

/** Pulls `(key: value)` notes out of a line: `{ rest, notes }`. */
function notesOf(text: string): { rest: string; notes: Map<string, string> } {
  const notes = new Map<string, string>();
  const rest = text.replace(
    /\(\s*(component|language|depends on|exclusive|asset)\s*:\s*([^)]*)\)/giu,
    (_, key: string, value: string) => {
      notes.set(key.toLowerCase(), value.trim());
      return '';
    },
  );
  return { rest: rest.replace(/\s+/gu, ' ').trim(), notes };
}

const list = (value: string | undefined): string[] => (value ?? '').split(/[,\s]+/u).filter((v) => v.length > 0);

/** `R1: text` / `` `id` — text `` → id and text; no id when the lead is not one word. */
function leadId(text: string): { id?: string; rest: string } {
  const m = /^`?([\p{L}\p{N}_-]+)`?\s*(?::(?!\/\/)|—|–|-\s)\s*(.*)$/su.exec(text);
  return m ? { id: m[1], rest: m[2].trim() } : { rest: text };
}

function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=[A-Z0-9`"'(])/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Where the reader is in the document, and what it has read so far. */
interface Reading {
  readonly spec: MarkdownSpec;
  /** Paragraphs and bullets under the title, before any section: the goal when there is no goal section. */
  readonly intro: string[];
  readonly goal: string[];
  section: Section | undefined;
  /** The component a `### id` sub-heading of the requirements binds the requirements under it to. */
  component: string | undefined;
}

/** A requirement from a line: with `explicit`, a leading id is read; an inline `[must]` tag beats the words, which beat `fallback`. */
function addRequirement(r: Reading, line: string, explicit: boolean, fallback?: Priority): void {
  const { rest, notes } = notesOf(line);
  const lead = explicit ? leadId(rest) : { rest };
  const tag = /^\[(must|should|could)\]\s*/iu.exec(lead.rest);
  const body = tag ? lead.rest.slice(tag[0].length) : lead.rest;
  const priority = (tag?.[1].toLowerCase() as Priority | undefined) ?? priorityOf(body) ?? fallback ?? 'should';
  const bound = notes.get('component') ?? r.component;
  r.spec.requirements.push({
    ...(lead.id === undefined ? {} : { id: lead.id }),
    text: body,
    priority,
    ...(bound === undefined ? {} : { component: bound }),
  });
}

/** Outside the requirements section, each sentence that says must or should is a requirement too. */
function addLooseRequirements(r: Reading, line: string): void {
  for (const s of sentences(line)) {
    const p = priorityOf(s);
    if (p === 'must' || p === 'should') addRequirement(r, s, false, p);
  }
}

/** The first `#` heading is the title; `#`/`##` open a section; deeper ones in the requirements name a component. */
function readHeading(r: Reading, token: Tokens.Heading): void {
  const heading = plain(token.tokens, []);
  if (token.depth === 1 && r.spec.title === undefined) {
    r.spec.title = heading;
    r.section = 'intro';
  } else if (token.depth <= 2) {
    r.section = sectionOf(heading);
    r.component = undefined;
  } else if (r.section === 'requirements') {
    r.component = leadId(`${heading}:`).id ?? heading;
  }
}

/** Text under the title, or in a goal section, makes up the goal. */
function collectGoal(r: Reading, line: string): void {
  if (r.section === 'goal') r.goal.push(line);
  if (r.section === 'intro') r.intro.push(line);
}

/** A paragraph: part of the goal where it stands there; outside the requirements, a source of loose requirements. */
function readParagraph(r: Reading, token: Tokens.Paragraph): void {
  const line = plain(token.tokens, []);
  collectGoal(r, line);
  if (r.section !== 'requirements') addLooseRequirements(r, line);
}

/** `` `id` — description (language: …) (depends on: …) (exclusive: …) ``. */
function componentEntry(full: string): MarkdownSpec['components'][number] {
  const { rest, notes } = notesOf(full);
  const lead = leadId(rest);
  const id = lead.id ?? rest.split(' ')[0];
  return {
    id,
    ...(lead.id !== undefined && lead.rest.length > 0 ? { description: lead.rest } : {}),
    ...(notes.has('language') ? { language: notes.get('language') } : {}),
    depends_on: list(notes.get('depends on')),
    exclusive_resources: list(notes.get('exclusive')),
  };
}

/** `id: <uri> — description (asset: …)`; the URI is the item's first link, else the first URI in its text. */
function inputEntry(item: Item, full: string): MarkdownSpec['inputs'][number] {
  const { rest, notes } = notesOf(full);
  const lead = leadId(rest);
  const uri = item.links[0] ?? /\b[a-z][a-z0-9+.-]*:\/\/\S+/iu.exec(rest)?.[0];
  const description = lead.rest.replace(uri ?? '', '').replace(/^[\s—–-]+|[\s—–-]+$/gu, '');
  return {
    ...(lead.id === undefined ? {} : { id: lead.id }),
    ...(uri === undefined ? {} : { uri }),
    ...(description.length > 0 ? { description } : {}),
    ...(notes.has('asset') ? { asset_type: notes.get('asset') } : {}),
  };
}

/** A bullet (its nested bullets joined to it), read as the section it stands in says. */
function readItem(r: Reading, item: Item): void {
  const full = [item.text, ...item.details].join(' ');
  switch (r.section) {
    case 'requirements':
      addRequirement(r, full, true);
      break;
    case 'constraints':
      r.spec.constraints.push(full);
      break;
    case 'acceptance':
      r.spec.acceptance_criteria.push(full);
      break;
    case 'components':
      r.spec.components.push(componentEntry(full));
      break;
    case 'inputs':
      r.spec.inputs.push(inputEntry(item, full));
      break;
    default:
      collectGoal(r, full);
      addLooseRequirements(r, full);
  }
}

/** Reads Markdown text into the raw fields of a specification. */
export function readMarkdownSpec(text: string): MarkdownSpec {
  const r: Reading = {
    spec: { requirements: [], constraints: [], acceptance_criteria: [], components: [], inputs: [] },
    intro: [],
    goal: [],
    section: undefined,
    component: undefined,
  };
  for (const token of new Lexer().lex(text)) {
    if (token.type === 'heading') readHeading(r, token as Tokens.Heading);
    else if (token.type === 'paragraph') readParagraph(r, token as Tokens.Paragraph);
    else if (token.type === 'list') for (const item of itemsOf(token as Tokens.List)) readItem(r, item);
  }
  const said = r.goal.length > 0 ? r.goal : r.intro;
  if (said.length > 0) r.spec.goal = said.join('\n\n');
  return r.spec;
}
