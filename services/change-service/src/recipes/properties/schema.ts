import type { z } from 'zod';
import { KEY_OPERATION_DOCS, keyOperationsOptions } from '../shared/key-operations.schema';

export const PROPERTIES_FILES_DEFAULT = '**/*.properties';
export const propertiesOptionsSchema = keyOperationsOptions(PROPERTIES_FILES_DEFAULT);
export type PropertiesOptions = z.infer<typeof propertiesOptionsSchema>;
export const PROPERTIES_OPTION_DOCS = KEY_OPERATION_DOCS(PROPERTIES_FILES_DEFAULT, [
  { op: 'set', key: 'rpc.client.timeout-ms', value: 3000 },
  { op: 'rename', key: 'rpc.client.endpoint', to: 'rpc.client.url' },
  { op: 'delete', key: 'rpc.client.legacy-mode' },
]);
