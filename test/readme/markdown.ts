/** A fenced code block of a Markdown document. */
export interface CodeBlock {
  /** The info string's first word (`ts`, `js`, `sh`), or '' for a bare fence. */
  readonly lang: string;
  /** The block's text, without its fences. */
  readonly code: string;
  /** The 1-based line of its opening fence, for messages. */
  readonly line: number;
}

const OPEN = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/u;

/** Every fenced code block of `markdown`, in order. An unclosed fence runs to the end, as CommonMark reads it. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = OPEN.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`, 'u');
    let j = i + 1;
    while (j < lines.length && !close.test(lines[j])) j++;
    blocks.push({ lang: open[2], code: lines.slice(i + 1, j).join('\n'), line: i + 1 });
    i = j;
  }
  return blocks;
}

/** `markdown` with the contents of its fenced code blocks blanked (line numbers kept). */
export function withoutCodeBlocks(markdown: string): string {
  const lines = markdown.split('\n');
  for (const block of codeBlocks(markdown)) {
    const n = block.code === '' ? 0 : block.code.split('\n').length;
    for (let k = 0; k < n; k++) lines[block.line + k] = '';
  }
  return lines.join('\n');
}
