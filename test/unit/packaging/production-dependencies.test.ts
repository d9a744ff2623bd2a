import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The devstack (devstack/: local STS, demo IdP, the `npm start` demo) is development tooling. The
// production image installs `npm ci --omit=dev` and ships dist/ (Dockerfile): neither may carry any of it.
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

interface PackageJson {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
interface LockEntry {
  name?: string;
  dev?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const packageJson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as PackageJson;
const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };

function filesUnder(dir: string, extension: string): string[] {
  return readdirSync(path.join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith(extension))
    .map((file) => path.join(dir, file));
}

const importSpecifier = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
/** `pkg`, `pkg/sub`, `@scope/pkg/sub` (and not prose that happens to follow "from"). */
const packageSpecifier = /^(?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(?:\/[\w./-]*)?$/;

/** The npm packages a file imports: `x` and `@scope/x`, never Node built-ins or relative paths. */
function packagesImportedBy(file: string): string[] {
  const source = readFileSync(path.join(repoRoot, file), 'utf8');
  return [...source.matchAll(importSpecifier)]
    .map((match) => match[1] ?? '')
    .filter((specifier) => packageSpecifier.test(specifier))
    .map((specifier) =>
      specifier
        .split('/')
        .slice(0, specifier.startsWith('@') ? 2 : 1)
        .join('/'),
    )
    .filter((name) => !builtinModules.includes(name));
}

const packagesOf = (files: string[]) => new Set(files.flatMap(packagesImportedBy));

/** Package name of a lockfile key: `node_modules/a/node_modules/@s/b` → `@s/b`. */
const lockName = (key: string, entry: LockEntry) => entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);

/** What `npm ci --omit=dev` installs: every lockfile package npm did not mark as needed only in development. */
const productionTree = Object.entries(lock.packages).filter(([key, entry]) => key !== '' && entry.dev !== true);

describe('the production dependency tree (npm ci --omit=dev)', () => {
  const devstackPackages = packagesOf(filesUnder('devstack', '.ts'));
  const productPackages = packagesOf(filesUnder('src', '.ts'));
  const devstackOnly = [...devstackPackages].filter((name) => !productPackages.has(name)).sort();

  it('when the devstack needs a package rolegate does not import, then it is a devDependency, not a dependency', () => {
    expect(devstackOnly).toContain('oidc-provider');
    for (const name of devstackOnly) {
      expect(packageJson.dependencies, `${name} is only the devstack's`).not.toHaveProperty([name]);
      expect(packageJson.devDependencies, `${name} is the devstack's: a devDependency`).toHaveProperty([name]);
    }
  });

  it('when production dependencies are installed, then no devstack-only package is among them unless a production package needs it itself', () => {
    const inProduction = productionTree.filter(([key, entry]) => devstackOnly.includes(lockName(key, entry)));
    for (const [key, entry] of inProduction) {
      const name = lockName(key, entry);
      // e.g. @smithy/signature-v4: the AWS SDK (@aws-sdk/core) signs its own requests with it.
      const neededBy = productionTree
        .filter(([, other]) => name in { ...other.dependencies, ...other.optionalDependencies, ...other.peerDependencies })
        .map(([otherKey, other]) => lockName(otherKey, other));
      expect(neededBy, `${name} is in the production tree (${key}) but no production package needs it`).not.toEqual([]);
    }
    expect(inProduction.map(([key, entry]) => lockName(key, entry))).not.toContain('oidc-provider');
    // oidc-provider's own dependencies (Koa and its middleware) go with it.
    expect(productionTree.map(([key, entry]) => lockName(key, entry))).not.toContain('koa');
  });

  it('when the lockfile is read, then its root agrees with package.json (what npm ci installs is what this test checked)', () => {
    const root = lock.packages[''] as LockEntry & { devDependencies?: Record<string, string> };
    expect(root.dependencies).toEqual(packageJson.dependencies);
    expect(root.devDependencies).toEqual(packageJson.devDependencies);
  });
});

describe('the production build (npm run build → dist/)', () => {
  it('when the build compiles src/ (tsconfig.build.json), then no import, types included, leads out of src/', () => {
    const relativeImport = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
    const leaving = filesUnder('src', '.ts').flatMap((file) =>
      [...readFileSync(path.join(repoRoot, file), 'utf8').matchAll(relativeImport)]
        .map((match) => path.join(path.dirname(file), match[1] ?? ''))
        .filter((target) => !target.startsWith(`src${path.sep}`))
        .map((target) => `${file} → ${target}`),
    );
    expect(leaving).toEqual([]);
  });

  it('when dist/ is built, then it holds no devstack file and imports only production dependencies', () => {
    const built = filesUnder('dist', '.js');
    expect(built).toContain('dist/main.js');
    expect(built.filter((file) => /devstack/i.test(file))).toEqual([]);
    const imported = [...packagesOf(built)].sort();
    expect(imported.filter((name) => !(name in packageJson.dependencies))).toEqual([]);
  });
});
