import { defineRecipe } from '../recipe';
import { globToRegExp } from '../shared/key-operations.schema';
import { YAML_OPTION_DOCS, yamlOptionsSchema, type YamlOptions } from './schema';
import { applyYaml } from './update';

export const yamlRecipe = defineRecipe<YamlOptions>({
  name: 'shipshape.yaml.change-keys',
  kind: 'yaml',
  displayName: 'Set, rename or delete YAML keys',
  description:
    'Sets, renames or deletes dotted keys in YAML files (application.yml by default), editing only the key or value tokens so comments, ' +
    'quoting, ordering and indentation stay; a missing key is added under its deepest existing parent.',
  options: yamlOptionsSchema,
  optionDocs: YAML_OPTION_DOCS,
  example: { files: '**/application*.{yml,yaml}', operations: YAML_OPTION_DOCS.operations.example as YamlOptions['operations'] },
  matches: (path) => /\.ya?ml$/.test(path),
  apply: (content, options, ctx) => (globToRegExp(options.files).test(ctx.path) ? applyYaml(content, options, ctx) : { content: null, report: [] }),
});
