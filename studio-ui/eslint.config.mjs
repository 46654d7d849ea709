// The repository's rules plus Angular's: component/directive conventions for TypeScript and
// template correctness + accessibility checks for the HTML templates (inline ones included).
import angular from 'angular-eslint';
import { defineConfig } from 'eslint/config';
import root from '../eslint.config.mjs';

export default defineConfig(
  ...root,
  {
    files: ['**/*.ts'],
    extends: [angular.configs.tsRecommended],
    processor: angular.processInlineTemplates,
    rules: {
      '@angular-eslint/component-selector': ['error', { type: 'element', prefix: 'fp', style: 'kebab-case' }],
      '@angular-eslint/directive-selector': ['error', { type: 'attribute', prefix: 'fp', style: 'camelCase' }],
    },
  },
  {
    files: ['**/*.html'],
    extends: [angular.configs.templateRecommended, angular.configs.templateAccessibility],
  },
);
