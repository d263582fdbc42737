// Imports a fleet file (YAML or JSON) into a running task-manager:
//   tsx services/task-manager/scripts/import-catalog.ts fleet.yaml [http://127.0.0.1:3000]
// Prints the outcome; on a 400 prints every problem (entry and field) and exits 1.
import { readFile } from 'node:fs/promises';

export interface ImportResult {
  readonly status: number;
  readonly body: { created?: number; updated?: number; errors?: Array<{ field: string; message: string }> };
}

export async function importCatalogFile(file: string, baseUrl: string): Promise<ImportResult> {
  const text = await readFile(file, 'utf8');
  const res = await fetch(new URL('/api/applications/import', baseUrl), {
    method: 'POST',
    headers: { 'content-type': /\.json$/i.test(file) ? 'text/plain' : 'application/yaml' },
    body: text,
  });
  return { status: res.status, body: (await res.json()) as ImportResult['body'] };
}

async function main(): Promise<void> {
  const [file, baseUrl = process.env.TASK_MANAGER_URL ?? 'http://127.0.0.1:3000'] = process.argv.slice(2);
  if (!file) {
    console.error('usage: import-catalog <fleet.yaml|fleet.json> [task-manager URL]');
    process.exit(2);
  }
  const { status, body } = await importCatalogFile(file, baseUrl);
  if (status !== 200) {
    for (const e of body.errors ?? []) console.error(`${file}: ${e.field}: ${e.message}`);
    console.error(`import failed (HTTP ${status})`);
    process.exit(1);
  }
  console.log(`imported ${file}: ${body.created} created, ${body.updated} updated`);
}

if (require.main === module) void main();
