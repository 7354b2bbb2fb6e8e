// Replaces what differs between two clusters run side by side (addresses, ids) by placeholders, so
// their outputs can be compared as text.
export class Masker {
  private readonly replacements: [string, string][] = [];

  add(text: string, placeholder: string): void {
    this.replacements.push([text, placeholder]);
    // Longest first, so that a URL is replaced whole before the endpoint inside it.
    this.replacements.sort((a, b) => b[0].length - a[0].length);
  }

  mask(text: string): string {
    let out = text;
    for (const [from, to] of this.replacements) out = out.split(from).join(to);
    return out;
  }
}
