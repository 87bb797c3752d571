import { describe, expect, it } from 'vitest';
import { MAX_SPEC_BYTES, readSpecification } from '../../src/planning/read-spec.js';
import type { Specification } from '../../src/protocol/specification.js';

function read(text: string, format?: 'json' | 'markdown'): Specification {
  const r = readSpecification(text, format ? { format } : {});
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

function refused(text: string, format?: 'json' | 'markdown') {
  const r = readSpecification(text, format ? { format } : {});
  if (r.ok) throw new Error('expected the specification to be refused');
  return r.error;
}

const MARKDOWN = `# Link shortener

Turns long URLs into short ones. Redirects must take under 10 ms.

## Goal

A team-internal link shortener with usage counts.

## Components

- \`store\` — keeps links and counts (language: go) (exclusive: database)
- web: the redirect and admin pages (language: go) (depends on: store)

## Requirements

- **R1**: [must] Shorten a URL to a 7-character code.
- It should count every redirect.
  - per day
  - per referrer
- Users may export counts as CSV.

### web

- R9: The admin page must list the 50 most used links.
- The code is reviewed (component: store)

## Constraints

- Go 1.22 only.

## Acceptance criteria

- A shortened link redirects.

## Inputs

- brand: [brand guide](https://example.com/brand.pdf) — colours and logo (asset: document)
- https://example.com/links.csv

## Notes

Deployment should be a single binary. Logs are kept for a week.
`;

describe('readSpecification from Markdown', () => {
  const spec = read(MARKDOWN);

  it('takes the title, and the Goal section over the introduction', () => {
    expect(spec.title).toBe('Link shortener');
    expect(spec.goal).toBe('A team-internal link shortener with usage counts.');
  });

  it('reads requirement ids, tags, words and sub-headings into ids, priorities and components', () => {
    const byText = (part: string) => spec.requirements.find((r) => r.text.includes(part));
    expect(byText('7-character')).toMatchObject({ id: 'R1', priority: 'must' });
    expect(byText('count every redirect')).toMatchObject({
      priority: 'should',
      text: 'It should count every redirect. per day per referrer',
    });
    expect(byText('export counts')).toMatchObject({ priority: 'could' });
    expect(byText('50 most used')).toMatchObject({ id: 'R9', priority: 'must', component: 'web' });
    expect(byText('is reviewed')).toMatchObject({ priority: 'should', component: 'store' });
  });

  it('turns must / should sentences outside the requirement list into requirements, with fresh ids', () => {
    expect(spec.requirements.find((r) => r.text === 'Redirects must take under 10 ms.')).toMatchObject({
      priority: 'must',
    });
    expect(spec.requirements.find((r) => r.text === 'Deployment should be a single binary.')).toMatchObject({
      priority: 'should',
    });
    expect(spec.requirements.some((r) => r.text.startsWith('Logs are kept'))).toBe(false);
    const ids = spec.requirements.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('reads components with their notes, constraints, criteria and inputs (links and bare URIs)', () => {
    expect(spec.components).toEqual([
      {
        id: 'store',
        description: 'keeps links and counts',
        language: 'go',
        depends_on: [],
        exclusive_resources: ['database'],
      },
      {
        id: 'web',
        description: 'the redirect and admin pages',
        language: 'go',
        depends_on: ['store'],
        exclusive_resources: [],
      },
    ]);
    expect(spec.constraints).toEqual(['Go 1.22 only.']);
    expect(spec.acceptance_criteria).toEqual(['A shortened link redirects.']);
    expect(spec.inputs).toEqual([
      {
        id: 'brand',
        uri: 'https://example.com/brand.pdf',
        description: 'brand guide — colours and logo',
        asset_type: 'document',
      },
      { id: 'input_2', uri: 'https://example.com/links.csv' },
    ]);
  });

  it('reads a JSON specification and applies the defaults', () => {
    const json = read(JSON.stringify({ title: 't', goal: 'g', requirements: [{ id: 'a', text: 'x' }] }));
    expect(json).toEqual({
      title: 't',
      goal: 'g',
      requirements: [{ id: 'a', text: 'x', priority: 'should' }],
      constraints: [],
      acceptance_criteria: [],
      components: [],
      inputs: [],
    });
  });
});

describe('readSpecification refuses bad specifications with INVALID_INPUT', () => {
  it.each([
    ['empty text', '', 'empty'],
    ['white space', ' \n\t\n', 'empty'],
    ['binary data', 'PK\u0003\u0004\u0000\u0000binary', 'binary'],
    ['bytes that are not UTF-8, decoded', Buffer.from([0x23, 0x20, 0xff, 0xfe, 0x41]).toString('utf8'), 'binary'],
    ['Markdown without a title', 'Just some words.\n\n- must do things\n', 'no_title'],
  ])('%s', (_what, text, reason) => {
    const error = refused(text);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.details.reason).toBe(reason);
  });

  it('a 10 MB specification, by its size, before reading it', () => {
    const error = refused(`# Big\n\n${'The system must scale. '.repeat(Math.ceil((10 * 1024 * 1024) / 23))}`);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', details: { limit: 'size', max: MAX_SPEC_BYTES } });
  });

  it.each([
    ['no requirements', '# Title\n\nA goal with no obligations.\n', 'requirements'],
    ['no goal', '# Title\n\n## Requirements\n\n- must do x\n', 'goal'],
    [
      'a requirement naming an unknown component',
      '# T\n\nG.\n\n## Requirements\n\n- x (component: nope)\n',
      'requirements[0].component',
    ],
    ['a repeated requirement id', '# T\n\nG.\n\n## Requirements\n\n- R1: a\n- R1: b\n', 'requirements[1].id'],
    [
      'an input without a URI',
      '# T\n\nG.\n\n## Requirements\n\n- a\n\n## Inputs\n\n- data: the usual file\n',
      'inputs[0].uri',
    ],
    [
      'a component depending on itself',
      '# T\n\nG.\n\n## Components\n\n- a: x (depends on: a)\n\n## Requirements\n\n- a\n',
      'components[0].depends_on[0]',
    ],
  ])('%s', (_what, text, path) => {
    const error = refused(text);
    expect(error.code).toBe('INVALID_INPUT');
    expect((error.details.issues as Array<{ path: string }>).map((i) => i.path)).toContain(path);
  });

  it.each([
    ['JSON that does not parse', '{"title": ', undefined],
    ['JSON nested beyond reason', `{"title": ${'['.repeat(100)}${']'.repeat(100)}}`, undefined],
    [
      'an id that cannot name a file',
      JSON.stringify({ title: 't', goal: 'g', requirements: [{ id: '../x', text: 'x' }] }),
      undefined,
    ],
    [
      'a field the schema does not know',
      JSON.stringify({ title: 't', goal: 'g', requirements: [{ id: 'a', text: 'x' }], deadline: 'friday' }),
      undefined,
    ],
  ])('%s', (_what, text) => {
    expect(refused(text, 'json').code).toBe('INVALID_INPUT');
  });
});
