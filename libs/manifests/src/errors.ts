import { ShipshapeError } from '@shipshape/contracts';

/** A manifest that cannot be read (broken pom.xml, package.json, TOML…); names the file and the 1-based line. */
export class ManifestInputError extends ShipshapeError {
  constructor(
    /** What is wrong, without the file and line. */
    readonly reason: string,
    readonly file: string,
    readonly line: number,
  ) {
    super('MANIFESTS.INVALID_INPUT', `${file}:${line}: ${reason}`, { details: { file, line } });
  }
}

/** 1-based line of a character offset. */
export function lineAt(content: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < content.length; i++) if (content.charCodeAt(i) === 10) line++;
  return line;
}
