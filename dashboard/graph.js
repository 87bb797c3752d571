import { svg } from './dom.js';

const PAD = 24;

/** An edge's path through its points ({x, y} or [x, y]). */
function path(points) {
  const xy = points.map((p) => (Array.isArray(p) ? p : [p.x, p.y]));
  return xy.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x + PAD},${y + PAD}`).join(' ');
}

/** Background bands, one per execution group, behind its tasks. */
function bands(layout) {
  const byGroup = new Map();
  for (const n of layout.nodes) {
    const b = byGroup.get(n.group) ?? { x0: Infinity, x1: -Infinity };
    b.x0 = Math.min(b.x0, n.x);
    b.x1 = Math.max(b.x1, n.x + n.width);
    byGroup.set(n.group, b);
  }
  return [...byGroup].map(([group, b]) =>
    svg(
      'g',
      {},
      svg('rect', {
        class: 'band',
        x: b.x0 + PAD - 8,
        y: 4,
        width: b.x1 - b.x0 + 16,
        height: layout.height + 2 * PAD - 8,
      }),
      svg('text', { class: 'band-label', x: b.x0 + PAD - 4, y: 16 }, `group ${group}`),
    ),
  );
}

/**
 * The run's DAG as SVG, laid out by the service (elkjs): one node per task coloured by its status
 * in `taskStates`, execution groups as bands. `onSelect(taskId)` is called on a click.
 */
export function drawGraph(layout, taskStates, selected, onSelect) {
  const w = layout.width + 2 * PAD;
  const h = layout.height + 2 * PAD;
  return svg(
    'svg',
    { width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: 'img', 'aria-label': 'task graph' },
    svg(
      'defs',
      {},
      svg(
        'marker',
        { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto' },
        svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#8c959f' }),
      ),
    ),
    ...bands(layout),
    ...layout.edges.map((e) =>
      svg('path', { class: 'edge', d: path(e.points), 'marker-end': 'url(#arrow)', 'data-edge': `${e.from}->${e.to}` }),
    ),
    ...layout.nodes.map((n) => {
      const status = taskStates[n.id]?.status ?? 'pending';
      return svg(
        'g',
        {
          class: `node${n.id === selected ? ' selected' : ''}`,
          'data-task': n.id,
          'data-status': status,
          transform: `translate(${n.x + PAD},${n.y + PAD})`,
          onclick: () => onSelect(n.id),
        },
        svg('title', {}, `${n.id}: ${status}`),
        svg('rect', { class: `status-${status}`, width: n.width, height: n.height }),
        svg('text', { x: 8, y: n.height / 2 + 4 }, n.id),
      );
    }),
  );
}
