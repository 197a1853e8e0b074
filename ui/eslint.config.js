import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import { defineConfig } from 'eslint/config';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

const TAURI_INVOKE = {
  name: '@tauri-apps/api/core',
  importNames: ['invoke'],
  message: 'Call the typed wrapper in lib/<domain>/api.ts; it goes through lib/shared/ipc.ts.',
};
const IPC_INVOKE = {
  group: ['**/shared/ipc'],
  importNames: ['invoke'],
  message: 'Call the typed wrapper in lib/<domain>/api.ts instead.',
};

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'tests/out/'] },
  js.configs.recommended,
  ts.configs.recommended,
  svelte.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.browser },
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.svelte'],
        parser: ts.parser,
        svelteConfig,
      },
    },
  },
  {
    files: ['*.config.{js,ts}', 'tests/**/*.mjs'],
    languageOptions: {
      globals: { ...globals.node },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Components never call invoke directly: only the lib/<domain>/api.ts modules do, and
      // they call the one in lib/shared/ipc.ts, which notices a locked database.
      'no-restricted-imports': ['error', { paths: [TAURI_INVOKE], patterns: [IPC_INVOKE] }],
    },
  },
  {
    files: ['src/lib/*/api.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [TAURI_INVOKE] }] },
  },
  {
    files: ['src/lib/shared/ipc.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
