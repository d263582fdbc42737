import { defineRecipe } from '../recipe';
import { JAVAAGENT_OPTION_DOCS, javaagentOptionsSchema, type JavaagentOptions } from './schema';
import { applyJavaagent, isAgentFile } from './update';

export const javaagentRecipe = defineRecipe<JavaagentOptions>({
  name: 'shipshape.javaagent.upgrade-agent',
  kind: 'javaagent',
  displayName: 'Upgrade a Java agent (sidecar) version',
  description:
    'Sets a Java agent version wherever it is pinned: Dockerfile ENV/ARG, agent jar names and download paths in JVM options files, ' +
    'deployment values and Kubernetes env entries; only the version token changes.',
  options: javaagentOptionsSchema,
  optionDocs: JAVAAGENT_OPTION_DOCS,
  example: { agent: 'opentelemetry-javaagent', toVersion: '2.4.0', versionVariables: ['OTEL_AGENT_VERSION', 'otelAgentVersion'] },
  matches: isAgentFile,
  apply: applyJavaagent,
});
