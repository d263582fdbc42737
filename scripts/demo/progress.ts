import { currentStage, FINISHED, type RunView } from './campaign';

const BAR_WIDTH = 30;

/**
 * Live progress of a set of runs: on a TTY a block redrawn in place (a bar, then one line per
 * application with its stage); otherwise a plain line each time an application changes stage.
 */
export class ProgressView {
  private drawn = 0;
  private readonly last = new Map<string, string>();
  private readonly started = Date.now();

  constructor(private readonly out: NodeJS.WriteStream) {}

  update(runs: readonly RunView[]): void {
    if (this.out.isTTY) this.redraw(runs);
    else this.lines(runs);
  }

  done(runs: readonly RunView[]): void {
    this.update(runs);
    if (!this.out.isTTY) this.out.write(`${this.bar(runs)}\n`);
  }

  private bar(runs: readonly RunView[]): string {
    const finished = runs.filter((r) => FINISHED.has(r.status)).length;
    const filled = runs.length === 0 ? 0 : Math.round((finished / runs.length) * BAR_WIDTH);
    const secs = Math.round((Date.now() - this.started) / 1000);
    return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${finished}/${runs.length} finished  ${secs}s`;
  }

  private lines(runs: readonly RunView[]): void {
    for (const r of runs) {
      const stage = currentStage(r);
      if (this.last.get(r.id) === stage) continue;
      this.last.set(r.id, stage);
      const secs = Math.round((Date.now() - this.started) / 1000);
      this.out.write(`  +${String(secs).padStart(4)}s  ${r.application.padEnd(22)} ${stage}\n`);
    }
  }

  private redraw(runs: readonly RunView[]): void {
    const rows = [this.bar(runs), ...[...runs].sort((a, b) => a.application.localeCompare(b.application)).map((r) => `  ${r.application.padEnd(22)} ${currentStage(r)}`)];
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A`);
    for (const row of rows) this.out.write(`\x1b[2K${row}\n`);
    this.drawn = rows.length;
  }
}
