import { defineRecipe } from '../recipe';
import { JAVA_OPTION_DOCS, javaOptionsSchema, type JavaOptions } from './schema';
import { applyJava } from './update';

export const javaRecipe = defineRecipe<JavaOptions>({
  name: 'shipshape.java.rename-packages-and-types',
  kind: 'java',
  displayName: 'Rename Java packages, types and methods',
  description:
    'Renames packages and fully qualified types in imports and source code (not in strings or comments), e.g. javax.* to jakarta.* ' +
    'or a 1.x client package to its 2.0 package; renames a type\'s simple name where it is imported, and configured methods.',
  options: javaOptionsSchema,
  optionDocs: JAVA_OPTION_DOCS,
  example: { renames: [{ from: 'javax.servlet', to: 'jakarta.servlet' }], methodRenames: [] },
  matches: (path) => path.endsWith('.java'),
  apply: applyJava,
});
