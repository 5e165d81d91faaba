import js from '@eslint/js';
import tseslint from 'typescript-eslint';


// The layering of docs/design.md, enforced: each top-level folder of src/ names the
// folders it must not import (relative specifiers climbing out of it). Imports point
// downwards only, and no two folders import each other.
const LAYERS = {
  core: ['drivers', 'store', 'datastore', 'faces', 'protocols', 'clients', 'server', 'cli'],
  drivers: ['store', 'datastore', 'faces', 'protocols', 'clients', 'server', 'cli'],
  store: ['drivers', 'datastore', 'faces', 'protocols', 'clients', 'server', 'cli'],
  datastore: ['drivers', 'store', 'faces', 'protocols', 'clients', 'server', 'cli'],
  protocols: ['core', 'drivers', 'store', 'datastore', 'faces', 'clients', 'server', 'cli'],
  clients: ['core', 'drivers', 'store', 'datastore', 'faces', 'server', 'cli'],
  faces: ['drivers', 'store', 'datastore', 'clients', 'server', 'cli'],
  server: ['cli', 'clients'],
  cli: ['drivers', 'store', 'datastore', 'faces'],
};
const layerRules = Object.entries(LAYERS).map(([layer, banned]) => ({
  files: [`src/${layer}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [{
        regex: `^(\\.\\./)+(${banned.join('|')})/`,
        message: `src/${layer} must not import ${banned.join(', ')} (see the layers in docs/design.md)`,
      }],
    }],
  },
}));

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'web/dist/**', '.cache/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  ...layerRules,
);
