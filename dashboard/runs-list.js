import { get } from './api.js';
import { clock, duration, el } from './dom.js';

const done = (c) => c.completed + c.failed + c.skipped;

/** The filled part of a progress bar, sized through the CSSOM (the page's CSP refuses inline style attributes). */
function bar(pct) {
  const span = el('span');
  span.style.width = `${pct}%`;
  return span;
}

function row(run) {
  const c = run.counts;
  const pct = c.total === 0 ? 0 : Math.round((100 * done(c)) / c.total);
  const end = run.ended_at ?? (run.status === 'running' ? Date.now() : run.updated_at);
  return el(
    'tr',
    { 'data-run': run.run_id },
    el('td', {}, el('a', { href: `#/runs/${encodeURIComponent(run.run_id)}` }, run.run_id)),
    el('td', {}, el('span', { class: `badge status-${run.status}` }, run.status)),
    el('td', {}, el('div', { class: 'progress', title: `${pct}%` }, bar(pct))),
    el('td', {}, `${c.completed}/${c.total} complete, ${c.failed} failed, ${c.skipped} skipped`),
    el('td', {}, clock(run.created_at)),
    el('td', {}, duration(end - run.created_at)),
  );
}

/** The runs list, refreshed every two seconds while shown; returns how to stop refreshing. */
export function showRuns(main) {
  const body = el('tbody');
  const note = el('p', { class: 'muted' }, 'Loading runs…');
  main.replaceChildren(
    el('h2', {}, 'Runs'),
    note,
    el(
      'table',
      {},
      el(
        'thead',
        {},
        el('tr', {}, ...['run', 'status', 'progress', 'tasks', 'started', 'duration'].map((h) => el('th', {}, h))),
      ),
      body,
    ),
  );
  let stopped = false;
  const refresh = async () => {
    try {
      const { runs } = await get('/runs');
      body.replaceChildren(...runs.map(row));
      note.textContent = runs.length === 0 ? 'No runs recorded yet: POST /runs starts one.' : '';
      note.className = 'muted';
    } catch (error) {
      note.textContent = error.message;
      note.className = 'error';
    }
    if (!stopped) setTimeout(refresh, 2000);
  };
  void refresh();
  return () => {
    stopped = true;
  };
}
