import tseslint from 'typescript-eslint';
import layers from './tools/eslint-layers.js';

const root = import.meta.dirname;

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', '.tap/**', 'coverage/**', 'store/migrations/**', 'tests/fixtures/**', 'docs/**', 'scratch/**'] },
  {
    files: ['**/*.ts', '**/*.js'],
    extends: [tseslint.configs.recommended],
    plugins: { layers },
    rules: {
      'layers/direction': ['error', { root }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
      eqeqeq: ['error', 'smart'],
    },
  },
);
