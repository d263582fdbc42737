import type { ComponentDeclaration } from '../model';
import { dirOf } from '../shared/lines';

export const JDK_VERSION_FILES = ['.java-version', '.sdkmanrc', '.tool-versions'] as const;

/** The JDK from `.java-version` (`17`, `17.0.9`), `.sdkmanrc` (`java=17.0.9-tem`), `.tool-versions` (`java temurin-17.0.9`). */
export function extractJdkVersionFile(path: string, content: string): ComponentDeclaration[] {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    const m =
      base === '.java-version' ? /^(?:[a-z]+-)?(\d+(?:\.\d+)*)/.exec(l)
      : base === '.sdkmanrc' ? /^java\s*=\s*(\d+(?:\.\d+)*)/.exec(l)
      : /^java\s+(?:[a-z]+-)*?(\d+(?:\.\d+)*)/.exec(l);
    if (!m) continue;
    const at = { file: path, line: i + 1 };
    return [{ ecosystem: 'jdk', name: 'java', version: m[1]!.replace(/^1\.(\d+)$/, '$1'), direct: true, kind: 'version-file', declaredAt: at, versionAt: at, via: base, module: dirOf(path) }];
  }
  return [];
}
