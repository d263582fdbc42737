import type { EditResult, RecipeContext, ReportEntry } from '../recipe';
import { RecipeInputError } from '../errors';
import { applyEdits, type TextEdit } from '../shared/text-edits';
import { compareVersions } from '@shipshape/manifests';
import type { DockerOptions } from './schema';

export function isDockerfile(path: string): boolean {
  const base = path.split('/').at(-1)!;
  return /^(Dockerfile|Containerfile)([.-][\w.-]+)?$/.test(base) || base.endsWith('.Dockerfile');
}

const FROM = /^([ \t]*FROM[ \t]+(?:--[\w-]+=\S+[ \t]+)*)(\S+)/gim;

export function applyDocker(content: string, options: DockerOptions, ctx: RecipeContext): EditResult {
  const edits: TextEdit[] = [];
  const report: ReportEntry[] = [];
  const lines = content.split('\n');
  let offset = 0;
  lines.forEach((text, index) => {
    FROM.lastIndex = 0;
    const m = FROM.exec(text);
    if (m) {
      const ref = m[2]!;
      const at = offset + m[1]!.length;
      const line = index + 1;
      if (text.trimEnd().endsWith('FROM')) throw new RecipeInputError('FROM without an image', ctx.path, line);
      const digest = ref.indexOf('@');
      const noDigest = digest >= 0 ? ref.slice(0, digest) : ref;
      const colon = noDigest.lastIndexOf(':');
      const hasTag = colon > noDigest.lastIndexOf('/');
      const name = hasTag ? noDigest.slice(0, colon) : noDigest;
      if (name === options.image) {
        const tag = hasTag ? noDigest.slice(colon + 1) : 'latest';
        const base = { file: ctx.path, subject: options.image, line, from: tag, to: options.toTag, detail: 'FROM' };
        if (digest >= 0) report.push({ ...base, outcome: 'skipped', reason: 'unsupported-spec', detail: 'pinned by digest' });
        else if (tag.includes('$')) report.push({ ...base, outcome: 'skipped', reason: 'unsupported-spec', detail: 'tag from a build argument' });
        else if (tag === options.toTag) report.push({ ...base, outcome: 'already-at-target' });
        else if (/^\d/.test(tag) && /^\d/.test(options.toTag) && compareVersions(tag.split('-')[0]!, options.toTag.split('-')[0]!) > 0) {
          report.push({ ...base, outcome: 'skipped', reason: 'newer-than-target' });
        } else {
          edits.push({ start: at, end: at + noDigest.length, text: `${name}:${options.toTag}` });
          report.push({ ...base, outcome: 'updated' });
        }
      }
    }
    offset += text.length + 1;
  });
  return {
    content: applyEdits(content, edits),
    report: report.length > 0 ? report : [{ file: ctx.path, subject: options.image, outcome: 'not-found' }],
  };
}
