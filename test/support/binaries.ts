// Finding the real etcd binaries (etcd, etcdctl) that compatibility and fault tests run beside
// Lodestone, openssl, which makes the TLS tests' certificates, haproxy, which the template tests
// reload, chromium, which the console's browser tests drive, and Debian's python3 with its etcd3
// module, a client the compatibility tests drive. A test that needs one skips loudly when it is
// missing — except under CI=true, where CI has installed them and a missing one is a failure, never
// a silent skip.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export type EtcdBinary = 'etcd' | 'etcdctl' | 'openssl' | 'dig' | 'haproxy' | 'chromium';

/** Where each comes from on Debian, for the message when one is missing. */
const PACKAGES: Readonly<Record<EtcdBinary, string>> = { etcd: 'etcd-server', etcdctl: 'etcd-client', openssl: 'openssl', dig: 'bind9-dnsutils', haproxy: 'haproxy', chromium: 'chromium' };

/** Where a system daemon lives when PATH (a user's, not root's) leaves out the sbin directories. */
const SBIN_DIRS: readonly string[] = ['/usr/sbin', '/sbin'];

/** Where `name` is on PATH, then in the sbin directories (ETCD_BIN / ETCDCTL_BIN / OPENSSL_BIN / HAPROXY_BIN override), or undefined. */
export function findBinary(name: EtcdBinary): string | undefined {
  const override = process.env[`${name.toUpperCase()}_BIN`];
  if (override) return isExecutable(override) ? override : undefined;
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), ...SBIN_DIRS]) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function isCi(): boolean {
  return process.env.CI === 'true';
}

export interface BinaryCheck<Name extends string = EtcdBinary> {
  /** True when every binary was found. */
  readonly ok: boolean;
  readonly missing: readonly Name[];
  /** Run the tests (true) or skip them (false: something is missing and this is not CI). */
  readonly run: boolean;
  /** Throws, naming what is missing, if something is: call it from beforeAll so CI fails loudly. */
  assertPresent(): void;
}

/**
 * Checks for the binaries `what` needs. Outside CI, a missing binary prints a loud warning and the
 * caller skips; under CI=true the caller runs and assertPresent() fails the tests.
 */
export function checkBinaries(names: readonly EtcdBinary[], what: string): BinaryCheck {
  const missing = names.filter((n) => findBinary(n) === undefined);
  return requirement(
    missing,
    `${what} needs ${missing.join(' and ')} (Debian packages ${missing.map((m) => PACKAGES[m]).join(', ')}${missing.some((m) => m.startsWith('etcd')) ? '; etcd 3.4' : ''}), not found on PATH`,
  );
}

/**
 * The python3 of the system's packages (python3-etcd3 is installed for it), not whichever python3
 * comes first on PATH; PYTHON3_BIN overrides.
 */
export function systemPython(): string {
  return process.env.PYTHON3_BIN ?? '/usr/bin/python3';
}

/** The environment to run systemPython() in: none of another Python's module paths. */
export function systemPythonEnv(): NodeJS.ProcessEnv {
  const { PYTHONPATH: _path, PYTHONHOME: _home, ...rest } = process.env;
  return rest;
}

/** Checks that systemPython() imports `module` (from Debian's `debianPackage`), as checkBinaries does for binaries. */
export function checkPythonModule(module: string, debianPackage: string, what: string): BinaryCheck<string> {
  const python = systemPython();
  const r = spawnSync(python, ['-c', `import ${module}`], { env: systemPythonEnv(), encoding: 'utf8', timeout: 30_000 });
  const ok = r.status === 0;
  const why = r.error ? r.error.message : (r.stderr ?? '').trim().split('\n').pop() ?? '';
  return requirement(ok ? [] : [`${python}: ${module}`], `${what} needs ${python} with the ${module} module (Debian package ${debianPackage}): ${why}`);
}

function requirement<Name extends string>(missing: readonly Name[], message: string): BinaryCheck<Name> {
  const ok = missing.length === 0;
  if (!ok && !isCi()) {
    const bar = '!'.repeat(78);
    console.warn(
      `\n${bar}\n!! SKIPPING what needs ${missing.join(' and ')}: ${message}.\n` +
        `!! Install them, or run with CI=true to make this a failure.\n${bar}\n`,
    );
  }
  return {
    ok,
    missing,
    run: ok || isCi(),
    assertPresent() {
      if (!ok) throw new Error(message);
    },
  };
}
