const ENTITY: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * `text` safe as HTML or SVG text and as a quoted attribute value: every character that
 * means something to the parser is an entity. Everything from plans and agents goes through
 * it (task actions, summaries, error messages, ids, URIs): they are untrusted text.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/gu, (c) => ENTITY[c]);
}

/** `text` cut to `max` characters, with an ellipsis when cut (escape after cutting). */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
