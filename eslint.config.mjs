// Lint for the project's TypeScript: typescript-eslint's recommended rules everywhere, and JSDoc on
// every export of the shipped code (STYLE.md: a summary line first, every optional prop with @default).
import js from '@eslint/js';
import jsdoc from 'eslint-plugin-jsdoc';
import tseslint from 'typescript-eslint';

const SHIPPED = [
  'index.ts',
  'main.ts',
  'table/**/*.ts',
  'model/**/*.ts',
  'documents/**/*.ts',
  'constructs/**/*.ts',
  'stacks/**/*.ts',
  'review/**/*.ts',
  'functions/**/*.ts',
  'cli/**/*.ts',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdktf.out/**', '.venv/**', '.gen/**', 'lib/**', 'dist/**', '.scoped-agents/**', 'bench/out/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Names starting with _ are kept on purpose (a destructured part dropped, a parameter an interface fixes).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Code lines stay under 160 characters; strings, templates and regular expressions read better whole.
      'max-len': ['error', { code: 160, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true }],
      eqeqeq: ['error', 'always'],
      // The project matches control characters on purpose: to refuse them in a table and to escape them in output.
      'no-control-regex': 'off',
    },
  },
  {
    // Tests read untyped JSON (Vault and AWS answers, synthesized stacks) and load modules in child processes.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: SHIPPED,
    plugins: { jsdoc },
    settings: { jsdoc: { mode: 'typescript' } },
    rules: {
      'jsdoc/require-jsdoc': [
        'error',
        {
          publicOnly: true,
          require: { FunctionDeclaration: true, ClassDeclaration: true, ArrowFunctionExpression: false, MethodDefinition: false },
          contexts: ['TSInterfaceDeclaration', 'TSTypeAliasDeclaration', 'ExportNamedDeclaration > VariableDeclaration'],
        },
      ],
      'jsdoc/check-tag-names': ['error', { definedTags: ['default'] }],
      'jsdoc/no-multi-asterisks': 'error',
      'jsdoc/check-alignment': 'error',
      'jsdoc/empty-tags': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', 'scripts/**', 'bin/**'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
