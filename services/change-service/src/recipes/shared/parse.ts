import { ManifestInputError, parseJson as parseJsonManifest, parseXml as parseXmlManifest, type JsonNode, type XmlDocument } from '@shipshape/manifests';
import { RecipeInputError } from '../errors';

/**
 * The format-preserving tokenizers are shared with detection-service through @shipshape/manifests;
 * a file they cannot read becomes this package's RecipeInputError (the step fails INVALID_INPUT).
 */
function asRecipeInput<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ManifestInputError) throw new RecipeInputError(err.reason, err.file, err.line);
    throw err;
  }
}

export function parseXml(content: string, file: string): XmlDocument {
  return asRecipeInput(() => parseXmlManifest(content, file));
}

export function parseJson(content: string, file: string): JsonNode {
  return asRecipeInput(() => parseJsonManifest(content, file));
}
