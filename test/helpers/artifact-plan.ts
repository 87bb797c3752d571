/** The handler module of the artifact tests (see its markers). */
export const ARTIFACT_AGENTS = new URL('../fixtures/agents/artifact-agents.mjs', import.meta.url);

/** task_1 reads source src_1 and writes store_1; task_2 reads store_1 and writes derived_1. Markers go into their actions. */
export function artifactPlan(source: string, markers = '', task1Markers = '') {
  return {
    tasks: {
      task_1: {
        id: 'task_1',
        action: `copy the source ${task1Markers}`,
        capability_ids: ['CAP-ACQ-001'],
        depends_on: [],
        input_refs: ['src_1'],
        output_refs: ['store_1'],
      },
      task_2: {
        id: 'task_2',
        action: `summarise the copy ${markers}`,
        capability_ids: ['CAP-PRE-001'],
        depends_on: ['task_1'],
        input_refs: ['store_1'],
        output_refs: ['derived_1'],
      },
    },
    resources: {
      source_refs: [{ ref_id: 'src_1', storage_uri: source, asset_type: 'text' }],
      storage_refs: [{ ref_id: 'store_1', storage_uri: null, status: 'pending' }],
      derived_refs: [{ ref_id: 'derived_1', storage_uri: null, status: 'pending' }],
    },
  };
}
