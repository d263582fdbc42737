import { ShipshapeError } from '@shipshape/contracts';

/** A manifest that cannot be read (broken pom.xml, package.json, TOML…); names the file and the 1-based line. */
export class ManifestInputError extends ShipshapeError {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super('MANIFESTS.INVALID_INPUT', `${file}:${line}: ${message}`, { details: { file, line } });
  }
}

/**
 * The token files in `shared/` are byte-identical copies of change-service's
 * `recipes/shared/{xml,json}-tokens.ts`, which import `RecipeInputError` from `../errors`.
 */
export { ManifestInputError as RecipeInputError };

/** 1-based line of a character offset. */
export function lineAt(content: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < content.length; i++) if (content.charCodeAt(i) === 10) line++;
  return line;
}
