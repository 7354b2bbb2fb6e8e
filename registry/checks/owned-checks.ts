// The checks a member runs, by their key (service/instance/check), and found by check id alone too:
// a TTL clock running out names only the check id, and with thousands of checks owned a scan per
// expiry was most of a member's CPU at scale.
export class OwnedChecks<T extends { readonly definition: { readonly id: string } }> extends Map<string, T> {
  private readonly byCheckId = new Map<string, Set<string>>();

  override set(key: string, check: T): this {
    this.unindex(key);
    super.set(key, check);
    let keys = this.byCheckId.get(check.definition.id);
    if (!keys) this.byCheckId.set(check.definition.id, (keys = new Set()));
    keys.add(key);
    return this;
  }

  override delete(key: string): boolean {
    this.unindex(key);
    return super.delete(key);
  }

  override clear(): void {
    this.byCheckId.clear();
    super.clear();
  }

  /** The owned checks with this check id (one, unless two instances list the same id). */
  withCheckId(checkId: string): T[] {
    return [...(this.byCheckId.get(checkId) ?? [])].flatMap((key) => {
      const check = this.get(key);
      return check ? [check] : [];
    });
  }

  private unindex(key: string): void {
    const had = this.get(key);
    if (!had) return;
    const keys = this.byCheckId.get(had.definition.id);
    keys?.delete(key);
    if (keys?.size === 0) this.byCheckId.delete(had.definition.id);
  }
}
