/**
 * A planning agent message of `n` tasks with refs, the shape that makes submitting costly: task
 * i depends on up to three of the 1,000 tasks before it (picked by a seeded generator, so
 * every run builds the same plan), reads their derived refs, and produces `derived_i`, which
 * `resources` declares pending.
 */
export function largePlan(n: number, seed = 42): Record<string, unknown> {
  let state = seed >>> 0;
  // mulberry32
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const tasks = [];
  const refs = [];
  for (let i = 0; i < n; i++) {
    const deps: number[] = [];
    while (deps.length < Math.min(i, 3)) {
      const j = i - 1 - Math.floor(random() * Math.min(i, 1000));
      if (!deps.includes(j)) deps.push(j);
    }
    tasks.push({
      id: `task_${i}`,
      action: 'noop',
      capability_ids: ['CAP-PRE-001'],
      depends_on: deps.map((j) => `task_${j}`),
      input_refs: deps.map((j) => `derived_${j}`),
      output_refs: [`derived_${i}`],
    });
    refs.push({ ref_id: `derived_${i}`, storage_uri: null });
  }
  return {
    agent: { name: 'planning_agent', type: 'operational' },
    output: { content: { workflow: { tasks } }, content_type: 'plan' },
    resources: { derived_refs: refs },
    metadata: { session_id: 'large', request_id: 'large', sequence_number: 3 },
  };
}
