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
  'bus',
  'journal',
  'actors',
  'pool',
  'agents',
  'runtime',
  'server',
  'cli',
];

/** One config block per layer, forbidding imports that climb the order. */
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
      },
    ],
  },
}));

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
);
