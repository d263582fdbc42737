import { defineRecipe } from '../recipe';
import { globToRegExp } from '../shared/key-operations.schema';
import { TEXT_OPTION_DOCS, textOptionsSchema, type TextOptions } from './schema';
import { applyText } from './update';

export const textRecipe = defineRecipe<TextOptions>({
  name: 'shipshape.text.replace-literal',
  kind: 'text',
  displayName: 'Replace literal text in source files',
  description:
    'Replaces literal text (every occurrence, in order) in the files a glob selects, optionally only in files that mention a module; ' +
    'for source changes no structured recipe covers (e.g. a renamed method in JavaScript). Not syntax-aware: keep `from` specific.',
  options: textOptionsSchema,
  optionDocs: TEXT_OPTION_DOCS,
  example: { files: 'lib/**/*.js', replacements: [{ from: '.call(', to: '.invoke(' }], ifContains: '@acme/rpc-client' },
  matches: () => true,
  apply: (content, options, ctx) => (globToRegExp(options.files).test(ctx.path) ? applyText(content, options, ctx.path) : { content: null, report: [] }),
});
