import { z } from 'zod';

export const openRewriteOptionsSchema = z.strictObject({
  recipe: z.string().trim().regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/, 'must be a fully qualified OpenRewrite recipe name'),
  pluginVersion: z.string().trim().regex(/^\d+\.\d+(\.\d+)?([-.][\w.]+)?$/, 'must be a rewrite-maven-plugin version such as 6.46.1'),
  recipeArtifactCoordinates: z
    .string()
    .trim()
    .regex(/^[\w.-]+:[\w.-]+:\d[\w.-]*(,[\w.-]+:[\w.-]+:\d[\w.-]*)*$/, 'must be pinned group:artifact:version coordinates, comma-separated')
    .optional(),
  rewriteYaml: z.string().min(1).optional(),
});
export type OpenRewriteOptions = z.infer<typeof openRewriteOptionsSchema>;

export const OPENREWRITE_OPTION_DOCS = {
  recipe: { description: 'the OpenRewrite recipe to activate', example: 'org.openrewrite.java.migrate.jakarta.JavaxMigrationToJakarta' },
  pluginVersion: { description: 'rewrite-maven-plugin version, pinned by the task', example: '6.46.1' },
  recipeArtifactCoordinates: { description: 'recipe artifacts with pinned versions (group:artifact:version, comma-separated)', example: 'org.openrewrite.recipe:rewrite-migrate-java:3.42.1' },
  rewriteYaml: { description: 'a rewrite.yml defining declarative recipes (with options) the run may activate', example: 'type: specs.openrewrite.org/v1beta/recipe\nname: com.acme.Rpc2\nrecipeList:\n  - org.openrewrite.java.ChangePackage:\n      oldPackageName: com.acme.rpc.v1\n      newPackageName: com.acme.rpc.v2\n' },
} as const;
