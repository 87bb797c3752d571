import { follow, get, post } from './api.js';
import { clock, duration, el } from './dom.js';
import { drawGantt } from './gantt.js';
import { drawGraph } from './graph.js';

/** The plan's tasks by id, whichever form the plan was given in. */
function planTasks(plan) {
  const tasks = plan?.output?.content?.workflow?.tasks ?? plan?.tasks ?? [];
  const list = Array.isArray(tasks) ? tasks : Object.entries(tasks).map(([id, t]) => ({ id, ...t }));
  return new Map(list.map((t) => [t.id ?? t.task_id, t]));
}

function failureLog(state) {
  const rows = (state.failure_log ?? []).map((f) =>
    el(
      'tr',
      {},
      el('td', {}, f.task_id),
      el('td', {}, String(f.attempts)),
      el('td', {}, f.error_code),
      el('td', {}, f.recoverable ? 'recoverable' : 'not recoverable'),
      el('td', {}, f.error_message),
    ),
  );
  if (rows.length === 0) return el('p', { class: 'muted', id: 'failures' }, 'No failures.');
  return el(
    'table',
    { id: 'failures' },
    el('thead', {}, el('tr', {}, ...['task', 'attempts', 'code', '', 'message'].map((h) => el('th', {}, h)))),
    el('tbody', {}, ...rows),
  );
}

function detail(s, id) {
  if (id === undefined) return el('div', { class: 'detail muted' }, 'Click a task to see it.');
  const task = s.tasks.get(id) ?? {};
  const state = s.state.task_states[id] ?? {};
  const attempts = s.attempts.tasks[id] ?? [];
  const cancellable = s.live && ['pending', 'ready', 'in_progress'].includes(state.status);
  return el(
    'div',
    { class: 'detail', id: 'task-detail', 'data-task': id },
    el('h3', {}, id, ' ', el('span', { class: `badge status-${state.status}` }, state.status)),
    el('p', {}, task.action ?? ''),
    el('p', { class: 'muted' }, `capabilities: ${(task.capability_ids ?? []).join(', ')}`),
    el('p', { class: 'muted' }, `depends on: ${(task.depends_on ?? []).join(', ') || 'nothing'}`),
    el(
      'p',
      { class: 'muted' },
      `reads ${(task.input_refs ?? []).join(', ') || 'nothing'}; writes ${(task.output_refs ?? []).join(', ') || 'nothing'}`,
    ),
    state.result_summary ? el('p', {}, state.result_summary) : undefined,
    el('h4', {}, `Attempts (${attempts.length})`),
    el(
      'ul',
      {},
      ...attempts.map((a) =>
        el(
          'li',
          {},
          `#${a.attempt} on ${a.agent}${a.runtimeId ? ` (${a.runtimeId})` : ''}: ${a.status}, ${duration(a.durationMs)}`,
          a.error ? ` — ${a.error.code}: ${a.error.message}` : '',
          a.summary ? ` — ${a.summary}` : '',
        ),
      ),
    ),
    cancellable
      ? el(
          'button',
          {
            id: 'cancel-task',
            onclick: () =>
              s.act(() =>
                post(`${s.base}/tasks/${encodeURIComponent(id)}/cancel`, { reason: 'cancelled from the dashboard' }),
              ),
          },
          'Cancel this task',
        )
      : undefined,
  );
}

/** The run page: graph, time-travel slider, Gantt, failure log, task detail, steering buttons. */
export function showRun(main, runId) {
  const base = `/runs/${encodeURIComponent(runId)}`;
  const abort = new AbortController();
  const s = { base, live: false, lastSeq: 0, at: undefined, selected: undefined, tasks: new Map(), act: undefined };
  const note = el('p', { class: 'muted', id: 'note' });
  const render = () => {
    const view = s.view;
    const status = view.run.status;
    const until = s.at === undefined ? (view.run.ended_at ?? Date.now()) : s.atTime;
    const order = s.layout.nodes.map((n) => n.id);
    const slider = el('input', {
      type: 'range',
      id: 'time-slider',
      min: s.earliest,
      max: s.lastSeq,
      value: s.at ?? s.lastSeq,
      oninput: (e) => travel(Number(e.target.value)),
    });
    main.replaceChildren(
      el('h2', {}, runId, ' ', el('span', { class: `badge status-${status}`, id: 'run-status' }, status)),
      el(
        'div',
        { class: 'toolbar' },
        el(
          'span',
          {},
          `${view.run.counts.completed}/${view.run.counts.total} complete, ${view.run.counts.failed} failed, ${view.run.counts.skipped} skipped · started ${clock(view.run.created_at)}`,
        ),
        s.live
          ? el(
              'button',
              {
                id: 'cancel-run',
                onclick: () => s.act(() => post(`${base}/cancel`, { reason: 'cancelled from the dashboard' })),
              },
              'Cancel run',
            )
          : undefined,
        ['cancelled', 'interrupted'].includes(status)
          ? el('button', { id: 'resume-run', onclick: () => s.act(() => post(`${base}/resume`)) }, 'Resume')
          : undefined,
      ),
      el(
        'div',
        { class: 'slider' },
        el('span', {}, 'step'),
        slider,
        el(
          'span',
          { id: 'time-label' },
          s.at === undefined ? `now (event ${s.lastSeq})` : `event ${s.at} · ${clock(s.atTime)}`,
        ),
      ),
      note,
      el(
        'div',
        { class: 'panes' },
        el(
          'div',
          { class: 'graph', id: 'graph' },
          drawGraph(s.layout, s.state.task_states, s.selected, (id) => {
            s.selected = id;
            render();
          }),
        ),
        detail(s, s.selected),
      ),
      el('div', { class: 'gantt', id: 'gantt' }, drawGantt(s.attempts, order, s.state, until)),
      el('h3', {}, 'Failure log'),
      failureLog(s.state),
    );
  };
  const load = async () => {
    const [view, attempts] = await Promise.all([get(base), get(`${base}/attempts`)]);
    Object.assign(s, { view, attempts, live: view.live, lastSeq: view.run.last_seq });
    if (s.at === undefined) s.state = view.workflow_state;
    render();
  };
  const travel = async (seq) => {
    if (seq >= s.lastSeq) {
      s.at = undefined;
      s.state = s.view.workflow_state;
      return render();
    }
    const travelled = await get(`${base}/state?at=${seq}`);
    Object.assign(s, { at: travelled.seq, atTime: travelled.at, state: travelled.workflow_state });
    render();
  };
  s.act = async (call) => {
    try {
      await call();
      await load();
    } catch (error) {
      note.textContent = error.message;
      note.className = 'error';
    }
  };
  let pending;
  const soon = () => {
    pending ??= setTimeout(() => {
      pending = undefined;
      void load();
    }, 150);
  };
  const start = async () => {
    const [layout, plan] = await Promise.all([get(`${base}/layout`), get(`${base}/plan`)]);
    s.layout = layout;
    s.tasks = planTasks(plan);
    s.earliest = layout.earliest_seq ?? 0;
    await load();
    for (;;) {
      await follow(
        `${base}/events?after=${s.lastSeq}`,
        (event) => (event === 'step' || event === 'end' ? soon() : undefined),
        abort.signal,
      );
      await load();
      if (!s.live) return;
    }
  };
  start().catch((error) => {
    if (abort.signal.aborted) return;
    main.replaceChildren(el('h2', {}, runId), el('p', { class: 'error' }, error.message));
  });
  return () => abort.abort();
}
