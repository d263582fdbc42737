import { z } from 'zod';

const qualified = z.string().trim().regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/, 'must be a dotted Java name');
const identifier = z.string().trim().regex(/^[A-Za-z_$][\w$]*$/, 'must be a Java identifier');

export const javaOptionsSchema = z.strictObject({
  renames: z
    .array(z.strictObject({ from: qualified, to: qualified }))
    .min(1, 'name at least one package or type to rename'),
  methodRenames: z.array(z.strictObject({ type: qualified, from: identifier, to: identifier })).default([]),
});
export type JavaOptions = z.infer<typeof javaOptionsSchema>;

export const JAVA_OPTION_DOCS = {
  renames: {
    description: 'packages or fully qualified types to rename, in order; sub-packages follow their package',
    example: [{ from: 'javax.servlet', to: 'jakarta.servlet' }],
  },
  methodRenames: {
    description: 'methods to rename on a type, in files that use the type (text-level, not type-attributed)',
    example: [{ type: 'com.acme.rpc.v2.RpcClient', from: 'call', to: 'invoke' }],
  },
} as const;
