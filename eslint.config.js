// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, in the order data flows (docs/design.md, "Layers"). A file may import
 * its own layer and those before it, never one after it: each layer gets a lint rule that
 * refuses imports of every later one.
 */
const LAYERS = [
  'protocol',
  'graph',
  'planning',
  'machines',
  'core',
  'store',
  'storage',
  'bus',
  'journal',
  'actors',
  'pool',
  'agents',
  'runtime',
  'server',
  'cli',
];

/** `graphInternals` (the graph's CSR arrays) is for the graph and the core that compiles it; later layers ask the compiled plan. */
const INTERNALS_OWNERS = ['graph', 'core'];

/** One config block per layer, forbidding imports that climb the order (and, above the core, the graph's internals). */
const layering = LAYERS.map((layer, i) => ({
  files: [`src/${layer}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: LAYERS.slice(i + 1).map((above) => ({
          group: [`../${above}/*`, `../../${above}/*`, `../../../${above}/*`],
          message: `src/${layer}/ may not import src/${above}/, a later layer (docs/design.md, "Layers"): move what both need down, or the importer up.`,
        })),
        paths: INTERNALS_OWNERS.includes(layer)
          ? []
          : [
              {
                name: '../graph/execution-graph.js',
                importNames: ['graphInternals'],
                message: `graphInternals is the graph's private layout, for graph/ and core/ only: put the analysis in core/ and read its result from the compiled plan.`,
              },
            ],
      },
    ],
  },
}));

/**
 * Time goes through the injected Scheduler (core/scheduler.ts), so tests drive it: no global
 * timers or Date.now in src/, except the scheduler itself, code that runs inside a worker thread
 * (a scheduler cannot cross a thread) and the CLI (the process's own wall clock). setImmediate
 * and performance.now measure turns and CPU slices, not time, and stay allowed.
 */
const TIMERS = ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'];
const scheduledTime = {
  files: ['src/**/*.ts'],
  ignores: ['src/core/scheduler.ts', 'src/pool/worker-runtime.ts', 'src/pool/worker.ts', 'src/cli/**'],
  rules: {
    'no-restricted-globals': [
      'error',
      ...TIMERS.map((name) => ({
        name,
        message: `Use the injected Scheduler (core/scheduler.ts) instead of the global ${name}, so tests can drive time.`,
      })),
    ],
    'no-restricted-properties': [
      'error',
      {
        object: 'Date',
        property: 'now',
        message: 'Read the time from the injected Scheduler (scheduler.now()), so tests and replays can set it.',
      },
    ],
  },
};

/**
 * Rooms stay small enough to read whole: a file of src/ holds at most 400 lines of code and a
 * function at most 80 (blank lines and comments not counted). Split by concern into units named
 * for what they hold rather than raising the limits.
 */
const roomSize = {
  files: ['src/**/*.ts'],
  rules: {
    'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
    'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
  },
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/results/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-sequences': 'error',
      eqeqeq: ['error', 'always'],
      // `const { dropped, ...kept } = o` is how a field is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  ...layering,
  scheduledTime,
  roomSize,
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
  {
    // The dashboard runs in the browser: its globals, not Node's.
    files: ['dashboard/**/*.js'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        location: 'readonly',
        sessionStorage: 'readonly',
        fetch: 'readonly',
        TextDecoder: 'readonly',
        Event: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        AbortController: 'readonly',
        URL: 'readonly',
        Date: 'readonly',
      },
    },
  },
);
