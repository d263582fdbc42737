import { z } from 'zod';

export const javaagentOptionsSchema = z.strictObject({
  agent: z.string().trim().regex(/^[a-z0-9][\w.-]*$/, 'must be the agent artifact name, e.g. opentelemetry-javaagent'),
  toVersion: z.string().trim().regex(/^\d+(\.\d+)*([-.][\w.]+)?$/, 'must be a version such as 2.4.0'),
  versionVariables: z.array(z.string().trim().regex(/^[\w.-]+$/, 'must be a variable or key name')).default([]),
});
export type JavaagentOptions = z.infer<typeof javaagentOptionsSchema>;

export const JAVAAGENT_OPTION_DOCS = {
  agent: { description: 'artifact name of the agent jar (matches `<agent>-<version>.jar` and `<agent>/<version>/` download paths)', example: 'opentelemetry-javaagent' },
  toVersion: { description: 'agent version to set', example: '2.4.0' },
  versionVariables: {
    description: 'names of ENV/ARG variables, env entries or values keys that hold the agent version',
    example: ['OTEL_AGENT_VERSION', 'otelAgentVersion'],
  },
} as const;
