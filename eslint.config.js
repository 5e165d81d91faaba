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
// Within core, a face sees only CoreApi (the services): not the Core class, its context or core's ports.
const EXTRA = {
  faces: [
    { regex: '^(\\.\\./)+core/(index|core)\\.ts$', importNames: ['Core'], message: 'a face gets CoreApi, not Core (src/core/core-api.ts; see "Faces: the seam" in docs/design.md)' },
    { regex: '^(\\.\\./)+core/(context|ports/.*)\\.ts$', message: 'a face uses core through CoreApi, never its context or ports (see "Faces: the seam" in docs/design.md)' },
  ],
};
const layerRules = Object.entries(LAYERS).map(([layer, banned]) => ({
  files: [`src/${layer}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [{
        regex: `^(\\.\\./)+(${banned.join('|')})/`,
        message: `src/${layer} must not import ${banned.join(', ')} (see the layers in docs/design.md)`,
      }, ...(EXTRA[layer] ?? [])],
    }],
  },
}));

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'web/dist/**', '.cache/**', 'dist/**', '.stryker-tmp*/**'] },
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
  // The web app runs in a browser: it talks to vmgate over HTTP only, so no import leaves
  // web/ (one entry per folder depth: a relative specifier that climbs above web/).
  ...[0, 1, 2, 3].map((depth) => ({
    files: [`web/${'*/'.repeat(depth)}*.{ts,tsx}`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: `^(\\.\\./){${depth + 1},}`, message: "web/ is a browser app: it uses the HTTP API (web/src/api.ts), not the server's modules" }] }],
    },
  })),
  // The VIX examples translate the guide's C line by line: variables are declared first
  // and assigned later, as in C.
  { files: ['examples/vix/**/*.ts'], rules: { 'prefer-const': 'off' } },
);
