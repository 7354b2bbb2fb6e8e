// Certificate, key, CA and CRL files, re-read when they change on disk, so that certificates can be
// rotated without a restart (as etcd, which reads its files at each handshake). Each use asks
// whether any file's size, times or inode changed — a few stat calls, far cheaper than the
// handshake they precede — and only then reads and rebuilds. A half-finished rotation (a new
// certificate beside the old key) fails to build: the last good build stays in use, and the files
// are tried again once they change again.
import { readFileSync, statSync } from 'node:fs';
import { TlsError } from './tls-errors.js';

export interface TlsFilePaths {
  readonly cert?: string;
  readonly key?: string;
  readonly ca?: string;
  readonly crl?: string;
}

export type TlsFileContents = { readonly [K in keyof TlsFilePaths]?: Buffer };

export class ReloadingTlsFiles<T> {
  private built: T | undefined;
  /** The files' identity when `built` was made, or when a build last failed. */
  private seen = '';
  private readonly paths: readonly (readonly [keyof TlsFilePaths, string])[];

  /**
   * `build` turns the files' contents into what is used (a secure context's options, channel
   * credentials) and throws if they cannot be used together. `onReload` hears of each rebuild.
   */
  constructor(
    paths: TlsFilePaths,
    private readonly build: (contents: TlsFileContents) => T,
    private readonly onReload: (outcome: { readonly error?: Error }) => void = () => undefined,
  ) {
    this.paths = (Object.entries(paths) as [keyof TlsFilePaths, string | undefined][]).filter(
      (e): e is [keyof TlsFilePaths, string] => typeof e[1] === 'string' && e[1] !== '',
    );
  }

  /**
   * What the files build now. The first call throws if they cannot be read or used; later calls
   * keep the last good build through a failed reload.
   */
  current(): T {
    const identity = this.identity();
    if (identity === this.seen && this.built !== undefined) return this.built;
    const first = this.built === undefined;
    this.seen = identity;
    try {
      this.built = this.build(this.read());
      if (!first) this.onReload({});
    } catch (e) {
      const error = e instanceof TlsError ? e : new TlsError('LODESTONE_TLS_FILES', `${this.describe()}: ${e instanceof Error ? e.message : String(e)}`);
      if (first) {
        this.seen = '';
        throw error;
      }
      this.onReload({ error });
    }
    return this.built!;
  }

  private identity(): string {
    return this.paths
      .map(([, path]) => {
        try {
          const s = statSync(path, { bigint: true });
          return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
        } catch {
          return 'missing';
        }
      })
      .join('|');
  }

  private read(): TlsFileContents {
    const out: { -readonly [K in keyof TlsFilePaths]?: Buffer } = {};
    for (const [kind, path] of this.paths) {
      try {
        out[kind] = readFileSync(path);
      } catch (e) {
        throw new TlsError('LODESTONE_TLS_FILES', `cannot read the ${kind} file ${path}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return out;
  }

  private describe(): string {
    return this.paths.map(([kind, path]) => `${kind} ${path}`).join(', ');
  }
}
