import { ShipshapeError } from '@shipshape/contracts';

/** Input a recipe cannot read (a broken pom.xml, package.json, YAML…): the step fails with INVALID_INPUT. */
export class RecipeInputError extends ShipshapeError {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super('CHANGE.INVALID_INPUT', `${file}:${line}: ${message}`, { details: { file, line } });
  }
}

/** Options that do not satisfy a recipe's schema; `problems` names each field. */
export class RecipeOptionsError extends ShipshapeError {
  constructor(
    readonly recipe: string,
    readonly problems: readonly string[],
  ) {
    super('CHANGE.INVALID_OPTIONS', `invalid options for recipe ${recipe}: ${problems.join('; ')}`, {
      details: { recipe, problems },
    });
  }
}

/** A rule names a recipe that is not registered. */
export class UnknownRecipeError extends ShipshapeError {
  constructor(readonly recipe: string, known: readonly string[]) {
    super('CHANGE.UNKNOWN_RECIPE', `unknown recipe "${recipe}" (known: ${known.join(', ')})`, { details: { recipe } });
  }
}

/** 1-based line of a character offset. */
export function lineAt(content: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < content.length; i++) if (content.charCodeAt(i) === 10) line++;
  return line;
}
