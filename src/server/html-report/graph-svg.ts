import type { GraphLayout } from '../graph-layout.js';
import { clip, escapeHtml } from './escape.js';

/** What the graph shows of each task: its status and action. */
export interface GraphTask {
  readonly status: string;
  readonly action: string;
}

/**
 * The laid-out graph as inline SVG: a band per execution group, the edges with arrowheads,
 * each task a box of class `task st-<status>` holding its id and the start of its action,
 * the whole action in its `<title>`.
 */
export function graphSvg(layout: GraphLayout, tasks: ReadonlyMap<string, GraphTask>): string {
  const bands = layout.groups
    .map(
      (g) =>
        `<rect class="band" x="${g.x}" y="${g.y}" width="${g.width}" height="${g.height}" rx="6"/>` +
        `<text x="${g.x + 4}" y="${g.y - 2}" fill="#889">group ${g.group}</text>`,
    )
    .join('');
  const edges = layout.edges
    .map(
      (e) =>
        `<polyline class="edge" marker-end="url(#arrow)" points="${e.points.map((p) => `${p.x},${p.y}`).join(' ')}"/>`,
    )
    .join('');
  const nodes = layout.nodes
    .map((n) => {
      const t = tasks.get(n.id);
      const status = escapeHtml(t?.status ?? 'pending');
      const id = escapeHtml(n.id);
      return (
        `<g class="task st-${status}" data-task="${id}" data-status="${status}">` +
        `<title>${id}: ${escapeHtml(t?.action ?? '')} (${status})</title>` +
        `<rect class="box" x="${n.x}" y="${n.y}" width="${n.width}" height="${n.height}" rx="4"/>` +
        `<text x="${n.x + 6}" y="${n.y + 15}" font-weight="bold">${escapeHtml(clip(n.id, 24))}</text>` +
        `<text x="${n.x + 6}" y="${n.y + 31}">${escapeHtml(clip(t?.action ?? '', 26))}</text></g>`
      );
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="${layout.width}" height="${layout.height + 16}" ` +
    `viewBox="0 -16 ${layout.width} ${layout.height + 16}">` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto">` +
    `<path d="M0,0L10,5L0,10z" fill="#888"/></marker></defs>${bands}${edges}${nodes}</svg>`
  );
}
