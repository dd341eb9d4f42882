// ESLint with typescript-eslint's recommended rules over the shipped sources, the tests, the
// benchmarks and the scripts (`npm run lint`, part of `npm test`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.e2e/**', 'test-results/**', 'coverage/**', 'media/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { console: 'readonly', process: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', performance: 'readonly', URL: 'readonly', fetch: 'readonly', __dirname: 'readonly', require: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', AbortController: 'readonly', structuredClone: 'readonly', AggregateError: 'readonly', queueMicrotask: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Shipped code and benchmarks handle lists whose length the data decides (tests build small fixtures).
    files: ['src/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // Spread arguments go on the stack: V8 throws "Maximum call stack size exceeded" past about
      // 125,000 of them, which is how a 200,000-run import once bricked a store. Loop instead.
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name=/^(push|unshift|concat|splice)$/] > SpreadElement", message: 'Spreading into push/unshift/concat/splice fails past ~125,000 elements: append in a loop.' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name=/^(max|min|hypot)$/] > SpreadElement", message: 'Spreading into Math.max/min fails past ~125,000 elements: reduce in a loop.' },
        { selector: "CallExpression[callee.property.name=/^(fromCharCode|fromCodePoint|apply)$/] > SpreadElement", message: 'Spread arguments fail past ~125,000 elements: loop.' },
      ],
    },
  },
  {
    files: ['**/*.cjs', 'esbuild.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', exports: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/webview/**/*.ts'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', HTMLElement: 'readonly', SVGElement: 'readonly', Element: 'readonly', Event: 'readonly', KeyboardEvent: 'readonly', MessageEvent: 'readonly', customElements: 'readonly', acquireVsCodeApi: 'readonly', getComputedStyle: 'readonly' } },
  },
  {
    files: ['test/e2e/**/*.mjs'],
    languageOptions: { globals: { document: 'readonly', window: 'readonly', getComputedStyle: 'readonly', SVGElement: 'readonly' } },
  },
);
