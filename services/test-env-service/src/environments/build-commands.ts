import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentSpec } from './environment.types';

export interface ToolOptions {
  /** Extra Maven arguments for every mvn the platform implies (e.g. `-o` on a warm local repository). */
  readonly mavenArgs: string;
}

/** The Gradle wrapper when the repository has one, else a gradle on PATH. */
function gradle(checkout: string | null, args: string): string {
  const wrapper = checkout !== null && existsSync(join(checkout, 'gradlew'));
  return `${wrapper ? './gradlew' : 'gradle'} --no-daemon ${args}`;
}

function mvn(opts: ToolOptions, args: string): string {
  return ['mvn -B', opts.mavenArgs.trim(), args].filter((s) => s.length > 0).join(' ');
}

/** The build command: the application's own, else the one its build tool implies; null when the tool is unknown. */
export function buildCommand(spec: EnvironmentSpec, checkout: string, opts: ToolOptions): string | null {
  if (spec.commands.build) return spec.commands.build;
  switch (spec.buildTool) {
    case 'maven':
      return mvn(opts, '-q -DskipTests package');
    case 'gradle':
      return gradle(checkout, '-q assemble');
    case 'npm':
      return `${existsSync(join(checkout, 'package-lock.json')) ? 'npm ci' : 'npm install'} --no-audit --no-fund && npm run build --if-present`;
    default:
      return null;
  }
}

export function testCommand(spec: EnvironmentSpec, opts: ToolOptions, checkout: string | null = null): string | null {
  if (spec.commands.test) return spec.commands.test;
  switch (spec.buildTool) {
    case 'maven':
      return mvn(opts, 'test');
    case 'gradle':
      return gradle(checkout, 'test');
    case 'npm':
      return 'npm test';
    default:
      return null;
  }
}

export function startCommand(spec: EnvironmentSpec): string | null {
  if (spec.commands.start) return spec.commands.start;
  switch (spec.buildTool) {
    case 'maven':
      return 'java -jar target/*.jar';
    case 'gradle':
      // Spring Boot and the application plugin leave a runnable jar beside a `-plain` one.
      return 'java -jar "$(ls build/libs/*.jar | grep -v -- -plain.jar | head -n 1)"';
    case 'npm':
      return 'npm start';
    default:
      return null;
  }
}
