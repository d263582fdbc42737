import { defineRecipe } from '../recipe';
import { globToRegExp } from '../shared/key-operations.schema';
import { PROPERTIES_OPTION_DOCS, propertiesOptionsSchema, type PropertiesOptions } from './schema';
import { applyProperties } from './update';

export const propertiesRecipe = defineRecipe<PropertiesOptions>({
  name: 'shipshape.properties.change-keys',
  kind: 'properties',
  displayName: 'Set, rename or delete .properties keys',
  description:
    'Sets, renames or deletes keys in Java .properties files (java.util.Properties syntax: comments, = : or blank separators, continuations), ' +
    'touching only the key or value; a missing key is appended with the file\'s separator style.',
  options: propertiesOptionsSchema,
  optionDocs: PROPERTIES_OPTION_DOCS,
  example: { files: '**/*.properties', operations: PROPERTIES_OPTION_DOCS.operations.example as PropertiesOptions['operations'] },
  matches: (path) => path.endsWith('.properties'),
  apply: (content, options, ctx) => (globToRegExp(options.files).test(ctx.path) ? applyProperties(content, options, ctx) : { content: null, report: [] }),
});
