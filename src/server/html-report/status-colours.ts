/** Fill and stroke of each task status and attempt outcome, shared by the graph, the Gantt and the legend. */
export const STATUS_COLOURS: Readonly<Record<string, { fill: string; stroke: string }>> = {
  pending: { fill: '#f2f2f2', stroke: '#999999' },
  ready: { fill: '#e0ecff', stroke: '#5b8def' },
  in_progress: { fill: '#fff3c4', stroke: '#d4a300' },
  complete: { fill: '#d4f5d0', stroke: '#3c9a33' },
  failed: { fill: '#f9d0d0', stroke: '#c43c3c' },
  skipped: { fill: '#eeeeee', stroke: '#aaaaaa' },
  unfinished: { fill: '#fff3c4', stroke: '#d4a300' },
};

/** The CSS of the report: a class per status (`st-complete`, …), the tables and the layout. */
export function reportCss(): string {
  const classes = Object.entries(STATUS_COLOURS)
    .map(([s, c]) => `.st-${s} rect.box,rect.st-${s}{fill:${c.fill};stroke:${c.stroke}}`)
    .join('\n');
  return `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f6f6}.num{text-align:right}.svgbox{overflow:auto;border:1px solid #eee}
svg text{font:12px system-ui,sans-serif}.band{fill:#f7f9fc;stroke:#dde3ee}
.edge{fill:none;stroke:#888;stroke-width:1.2}.legend span{display:inline-block;margin-right:12px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;border:1px solid #888;vertical-align:middle}
.st-skipped rect.box{stroke-dasharray:4 3}
${classes}
${Object.entries(STATUS_COLOURS)
  .map(([s, c]) => `.legend i.st-${s}{background:${c.fill};border-color:${c.stroke}}`)
  .join('\n')}`;
}
