// @ts-check
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const layers = (...names) =>
  names.flatMap((name) => [`../${name}`, `../${name}/*`, `../../${name}`, `../../${name}/*`, `../../../${name}/*`]);

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'src/adapters/db/generated/', '.rolegate/'] },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: { globals: globals.node, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-confusing-void-expression': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], extends: [tseslint.configs.disableTypeChecked] },
  // The portal's one browser script (served by rolegate, no bundler).
  { files: ['src/http/static/**/*.js'], languageOptions: { globals: globals.browser } },
  // Architecture boundaries (see docs/architecture.md).
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config/**', 'src/main.ts', 'src/db-migrate.ts', 'src/signing-keys.ts', 'src/cli/**', 'src/devstack/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Only src/config reads the environment; take the value from Config.' },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/adapters/db/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/generated/*', '@prisma/*'], message: 'Only src/adapters/db may use Prisma; go through a store port.' },
            { group: ['**/test/*', '**/devstack/*'], message: 'Product code never imports tests or the devstack.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: layers('adapters', 'http', 'features', 'config', 'devstack', 'cli', 'composition'),
              message: 'The domain is pure: no adapters, HTTP, features or config.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/features/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: layers('adapters', 'http', 'devstack', 'cli', 'composition'),
              message: 'Features depend on ports, not on adapters or HTTP.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: layers('adapters', 'devstack', 'cli', 'composition'),
              message: 'HTTP depends on features and ports (Metrics, Logger), not on adapters or the composition root.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/adapters/**/*.ts', 'src/ports/**/*.ts'],
    ignores: ['src/adapters/db/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: layers('http', 'composition', 'devstack', 'cli'),
              message: 'Adapters and ports know nothing of HTTP or of how they are wired.',
            },
            { group: ['**/generated/*', '@prisma/*'], message: 'Only src/adapters/db may use Prisma; go through a store port.' },
            { group: ['**/test/*', '**/devstack/*'], message: 'Product code never imports tests or the devstack.' },
          ],
        },
      ],
    },
  },
  {
    // The composition root builds; it decides nothing and queries nothing.
    files: ['src/composition/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'Literal[value=/^\\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\\s/], TemplateElement[value.raw=/^\\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\\s/]',
          message: 'No SQL in the composition root: put the query in an adapter (src/adapters/db) behind a port.',
        },
      ],
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: layers('adapters', 'http', 'features', 'config', 'domain', 'ports', 'devstack', 'support', 'composition').concat([
                '../main.js',
              ]),
              message: 'The CLI starts on every AWS call: it imports src/contracts only.',
            },
          ],
        },
      ],
    },
  },
);
