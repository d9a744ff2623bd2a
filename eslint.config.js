// @ts-check
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const layers = (...names) =>
  names.flatMap((name) => [`../${name}`, `../${name}/*`, `../../${name}`, `../../${name}/*`, `../../../${name}/*`]);

// Every file in src/ (a later block's no-restricted-imports replaces an earlier one's, so each
// layer's block repeats these): product code never imports the tests or the devstack, which is
// development tooling outside src/ and dist/ (docs/devstack.md).
const productBoundary = {
  group: ['**/test', '**/test/*', '**/devstack', '**/devstack/*'],
  message: 'Product code never imports tests or the devstack (devstack/ is not part of dist or the production image).',
};
const prismaBoundary = { group: ['**/generated/*', '@prisma/*'], message: 'Only src/adapters/db may use Prisma; go through a store port.' };

export default tseslint.config(
  { ignores: ['dist/', 'dist-devstack/', 'coverage/', 'node_modules/', 'src/adapters/db/generated/', '.rolegate/', 'tmp/'] },
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
    ignores: ['src/config/**', 'src/main.ts', 'src/db-migrate.ts', 'src/signing-keys.ts', 'src/cli/**'],
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
    rules: { 'no-restricted-imports': ['error', { patterns: [prismaBoundary, productBoundary] }] },
  },
  { files: ['src/adapters/db/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [productBoundary] }] } },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: layers('adapters', 'http', 'features', 'config', 'cli', 'composition'),
              message: 'The domain is pure: no adapters, HTTP, features or config.',
            },
            prismaBoundary,
            productBoundary,
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
            { group: layers('adapters', 'http', 'cli', 'composition'), message: 'Features depend on ports, not on adapters or HTTP.' },
            prismaBoundary,
            productBoundary,
            {
              group: ['**/dependency-errors*', '**/dependency-failures*'],
              message: 'Adapters translate their own failures (adapters/dependency-failures.ts); features do not wrap calls.',
            },
          ],
        },
      ],
    },
  },
  // Adapters translate their own failures into dependency_unavailable (docs/architecture.md):
  // a feature or route that wraps a call to name the dependency is the old, forgettable way.
  {
    files: ['src/features/**/*.ts', 'src/http/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            ':matches(FunctionDeclaration, VariableDeclarator)[id.name=/^(orUnavailable|unavailableAs)$/], CallExpression[callee.name=/^(orUnavailable|unavailableAs)$/]',
          message: 'Adapters throw dependency_unavailable themselves (reportingFailuresAs where the adapter is built); do not wrap calls.',
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
              group: layers('adapters', 'cli', 'composition'),
              message: 'HTTP depends on features and ports (Metrics, Logger), not on adapters or the composition root.',
            },
            prismaBoundary,
            productBoundary,
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
              group: layers('http', 'composition', 'cli'),
              message: 'Adapters and ports know nothing of HTTP or of how they are wired.',
            },
            prismaBoundary,
            productBoundary,
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
              group: layers('adapters', 'http', 'features', 'config', 'domain', 'ports', 'support', 'composition').concat(['../main.js']),
              message: 'The CLI starts on every AWS call: it imports src/contracts only.',
            },
            {
              group: ['**/discovery/*'],
              message: 'src/cli/discovery is loaded only by `rolegate accounts discover`, with `await import()` (program.ts).',
            },
            {
              group: ['**/offline/*'],
              message: 'src/cli/offline is loaded only by `rolegate test` and `rolegate diff`, with `await import()` (program.ts).',
            },
            prismaBoundary,
            productBoundary,
          ],
        },
      ],
    },
  },
  // `rolegate accounts discover` (docs/access-as-code.md) runs on an admin's laptop with the
  // admin's own AWS credentials, so it reads the Organization itself (AWS SDK) and proposes
  // changes with the pure domain logic (src/domain/account-discovery.ts). program.ts loads this
  // folder with `await import()` only when that command runs, so credential_process never loads
  // it: the one exception to "contracts only" is the domain, for this folder alone.
  {
    files: ['src/cli/discovery/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: layers('adapters', 'http', 'features', 'config', 'ports', 'support', 'composition').concat(['../main.js']),
              message: 'Discovery uses the domain and the AWS SDK only; no adapters, features or configuration.',
            },
            prismaBoundary,
            productBoundary,
          ],
        },
      ],
    },
  },
  // src/cli/offline/: `rolegate test` and `rolegate diff` decide offline with the broker's own code
  // (the domain's entitlement rules, the access-file parser), so this one folder may import the
  // domain and features/admin/access-file. program.ts loads it only with `await import()` when
  // those commands run: credential_process, which starts on every AWS call, never loads it
  // (test/unit/cli/offline-loading.test.ts checks the static import graph of the sources).
  {
    files: ['src/cli/offline/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: layers('adapters', 'http', 'config', 'ports', 'support', 'composition').concat(['../main.js']),
              message: 'Offline commands use the pure domain and the access-file parser only.',
            },
            {
              group: ['**/features/*', '!**/features/admin', '**/features/admin/*', '!**/features/admin/access-file.js'],
              message: 'Of the features, only the access-file parser (features/admin/access-file.js) is offline code.',
            },
            prismaBoundary,
            productBoundary,
          ],
        },
      ],
    },
  },
  // The devstack reaches rolegate only as built (dist/main.js, as the demo does) or over HTTP:
  // types from src/ are fine, code is not (it would run rolegate from sources beside dist).
  {
    files: ['devstack/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src', '**/src/*'],
              allowTypeImports: true,
              message: 'The devstack imports rolegate only as built (dist/main.js); from src/, types only.',
            },
          ],
        },
      ],
    },
  },
);
