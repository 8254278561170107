// typescript-eslint with its type-checked rules over every workspace; Prettier owns the layout, so
// eslint-config-prettier switches off the rules that would argue with it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/', '**/dist/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        // The test configs include src, test, bench and common: one program per service covers every file.
        project: ['bank-core/tsconfig.test.json', 'websocket/tsconfig.test.json', 'websocket/web/tsconfig.json', 'cluster/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // `_name` marks a value taken only to be left out (`const { secret: _secret, ...rest } = user`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // supertest's `res.body` and JSON.parse are `any` by design: a test reads the body to assert its shape.
    files: ['**/test/**/*.ts', '**/bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs', 'jest.config.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The web bank runs in the browser.
    files: ['websocket/web/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
  },
  prettier,
);
