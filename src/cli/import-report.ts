/** What an import did: counts imported, skipped by reason and failed by reason, plus the first problems by record. */
export const MAX_PROBLEMS_SHOWN = 50;

export class ImportReport {
  imported = 0;
  /** The imported records by kind, when an import names them (`count`). */
  readonly importedByKind = new Map<string, number>();
  readonly skipped = new Map<string, number>();
  readonly failed = new Map<string, number>();
  /** Records imported with a field replaced (e.g. html rendered again from the body), by reason. */
  readonly adjusted = new Map<string, number>();
  /** One line per failure naming the line or record (no email or IP in these). */
  readonly problems: string[] = [];

  /** One more record imported, of this kind. */
  count(kind: string): void {
    this.imported += 1;
    this.importedByKind.set(kind, (this.importedByKind.get(kind) ?? 0) + 1);
  }

  skip(reason: string): void {
    this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + 1);
  }

  adjust(reason: string, where: string): void {
    this.adjusted.set(reason, (this.adjusted.get(reason) ?? 0) + 1);
    if (this.problems.length < MAX_PROBLEMS_SHOWN) this.problems.push(`${where}: ${reason}`);
  }

  fail(reason: string, where: string): void {
    this.failed.set(reason, (this.failed.get(reason) ?? 0) + 1);
    if (this.problems.length < MAX_PROBLEMS_SHOWN) this.problems.push(`${where}: ${reason}`);
  }

  get failures(): number {
    let n = 0;
    for (const v of this.failed.values()) n += v;
    return n;
  }

  summary(dryRun: boolean): string {
    const list = (m: Map<string, number>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `  ${k}: ${v}`);
    const lines = [`${dryRun ? 'would import' : 'imported'}: ${this.imported}`, ...list(this.importedByKind)];
    const skipped = [...this.skipped.values()].reduce((a, b) => a + b, 0);
    lines.push(`skipped: ${skipped}`, ...list(this.skipped));
    lines.push(`failed: ${this.failures}`, ...list(this.failed));
    const adjusted = [...this.adjusted.values()].reduce((a, b) => a + b, 0);
    if (adjusted > 0) lines.push(`adjusted: ${adjusted}`, ...list(this.adjusted));
    if (this.problems.length > 0) {
      lines.push('problems:', ...this.problems.map((p) => `  ${p}`));
      if (this.failures + adjusted > this.problems.length) lines.push(`  … and ${this.failures + adjusted - this.problems.length} more`);
    }
    return `${lines.join('\n')}\n`;
  }
}
