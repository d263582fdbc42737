import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecipeInputError } from '../errors';
import { changedLines } from '../shared/changed-lines';
import { javaRecipe } from './index';
import type { JavaOptions } from './schema';

const source = readFileSync(join(__dirname, '__fixtures__', 'OrderController.java'), 'utf8');
const run = (content: string, options: JavaOptions) => javaRecipe.apply(content, options, { path: 'src/main/java/OrderController.java' });

describe('java recipe', () => {
  it('renames javax packages to jakarta in imports and code, not in strings or comments', () => {
    const { content, report } = run(source, { renames: [{ from: 'javax.servlet', to: 'jakarta.servlet' }, { from: 'javax.validation', to: 'jakarta.validation' }], methodRenames: [] });
    expect(changedLines(source, content!)).toEqual([3, 4, 25]);
    expect(content).toContain('import jakarta.servlet.http.HttpServletRequest;');
    expect(content).toContain('public jakarta.servlet.http.HttpSession session(');
    expect(content).toContain('"javax.servlet.mode"');
    expect(content).toContain('// javax.servlet request attributes');
    expect(report.map((r) => [r.subject, r.outcome, r.detail])).toEqual([
      ['javax.servlet -> jakarta.servlet', 'updated', '2 reference(s)'],
      ['javax.validation -> jakarta.validation', 'updated', '1 reference(s)'],
    ]);
  });

  it('moves a 1.x client to its 2.0 package, renames a type and a method', () => {
    const options: JavaOptions = {
      renames: [
        { from: 'com.acme.rpc.v1.RpcClient', to: 'com.acme.rpc.v2.InventoryClient' },
        { from: 'com.acme.rpc.v1', to: 'com.acme.rpc.v2' },
      ],
      methodRenames: [{ type: 'com.acme.rpc.v2.InventoryClient', from: 'call', to: 'invoke' }],
    };
    const { content } = run(source, options);
    expect(changedLines(source, content!)).toEqual([5, 6, 13, 15, 22]);
    expect(content).toContain('import com.acme.rpc.v2.InventoryClient;');
    expect(content).toContain('import com.acme.rpc.v2.RpcException;');
    expect(content).toContain('private final InventoryClient inventory;');
    expect(content).toContain('return inventory.invoke("reserve", form.sku(), user);');
    expect(run(content!, options).content).toBeNull();
  });

  it('is idempotent when the new package extends the old one, and leaves unrelated files alone', () => {
    const options = { renames: [{ from: 'com.acme.rpc', to: 'com.acme.rpc.v2' }], methodRenames: [] };
    const once = run('import com.acme.rpc.Client;\n', options).content!;
    expect(once).toBe('import com.acme.rpc.v2.Client;\n');
    expect(run(once, options)).toMatchObject({ content: null, report: [{ outcome: 'already-at-target' }] });
    expect(run('class A {}\n', options)).toMatchObject({ content: null, report: [{ outcome: 'not-found' }] });
  });

  it('fails with INVALID_INPUT on an unterminated string', () => {
    expect(() => run('class A {\n  String s = "oops;\n}\n', { renames: [{ from: 'a.b', to: 'c.d' }], methodRenames: [] })).toThrow(RecipeInputError);
    expect(() => run('class A {\n  String s = "oops;\n}\n', { renames: [{ from: 'a.b', to: 'c.d' }], methodRenames: [] })).toThrow(
      'src/main/java/OrderController.java:2: unterminated string literal',
    );
  });
});
