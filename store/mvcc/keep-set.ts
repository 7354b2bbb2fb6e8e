// A set of revisions (main, sub): the revisions a compaction keeps. Nearly every main revision
// keeps a single sub, so that case is stored as a plain number.

export class KeepSet {
  private readonly byMain = new Map<number, number | Set<number>>();

  add(main: number, sub: number): void {
    const cur = this.byMain.get(main);
    if (cur === undefined) this.byMain.set(main, sub);
    else if (typeof cur === 'number') {
      if (cur !== sub) this.byMain.set(main, new Set([cur, sub]));
    } else cur.add(sub);
  }

  delete(main: number, sub: number): void {
    const cur = this.byMain.get(main);
    if (cur === undefined) return;
    if (typeof cur === 'number') {
      if (cur === sub) this.byMain.delete(main);
    } else {
      cur.delete(sub);
      if (cur.size === 0) this.byMain.delete(main);
    }
  }

  has(main: number, sub: number): boolean {
    const cur = this.byMain.get(main);
    if (cur === undefined) return false;
    return typeof cur === 'number' ? cur === sub : cur.has(sub);
  }

  get empty(): boolean {
    return this.byMain.size === 0;
  }
}
