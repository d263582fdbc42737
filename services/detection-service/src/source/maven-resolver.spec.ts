import { describe, expect, it } from 'vitest';
import { parseDependencyTree } from './maven-resolver';

describe('parseDependencyTree', () => {
  it('reads every module block, depth, classifier, scope and the path that pulls a transitive dependency', () => {
    const text = [
      'com.acme:orders-parent:pom:2.7.0',
      'com.acme:orders-api:jar:2.7.0',
      '+- com.acme:rpc-client:jar:2.0.0:compile',
      '\\- com.acme:legacy-lib:jar:1.0.0:compile',
      '   +- com.acme:rpc-codec:jar:linux-x86_64:1.1.0:runtime',
      '   \\- io.netty:netty-common:jar:4.1.100.Final:compile -- module io.netty.common',
      'com.acme:orders-worker:jar:2.7.0',
      '\\- com.acme:rpc-client:jar:1.4.0:compile (optional)',
    ].join('\n');
    expect(parseDependencyTree(text).map((e) => [e.module, e.name, e.version, e.scope, e.direct, e.via])).toEqual([
      ['com.acme:orders-api:2.7.0', 'com.acme:rpc-client', '2.0.0', 'compile', true, null],
      ['com.acme:orders-api:2.7.0', 'com.acme:legacy-lib', '1.0.0', 'compile', true, null],
      ['com.acme:orders-api:2.7.0', 'com.acme:rpc-codec', '1.1.0', 'runtime', false, 'com.acme:legacy-lib:1.0.0'],
      ['com.acme:orders-api:2.7.0', 'io.netty:netty-common', '4.1.100.Final', 'compile', false, 'com.acme:legacy-lib:1.0.0'],
      ['com.acme:orders-worker:2.7.0', 'com.acme:rpc-client', '1.4.0', 'compile', true, null],
    ]);
  });
});
