import type { z } from 'zod';
import { KEY_OPERATION_DOCS, keyOperationsOptions } from '../shared/key-operations.schema';

export const YAML_FILES_DEFAULT = '**/application*.{yml,yaml}';
export const yamlOptionsSchema = keyOperationsOptions(YAML_FILES_DEFAULT);
export type YamlOptions = z.infer<typeof yamlOptionsSchema>;
export const YAML_OPTION_DOCS = KEY_OPERATION_DOCS(YAML_FILES_DEFAULT, [
  { op: 'set', key: 'rpc.client.timeout-ms', value: 3000 },
  { op: 'rename', key: 'rpc.client.endpoint', to: 'rpc.client.url' },
  { op: 'delete', key: 'rpc.client.legacy-mode' },
]);
