#!/usr/bin/env bash
# Prepares the proxy image's build context and prints the docker build command with its tag:
#   <version from proxy/VERSION>-<git revision>[-dirty]
# Usage: proxy/build-context.sh [output-dir]   (default: ${TMPDIR:-/tmp}/dpl-proxy-context)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
version="$(tr -d ' \n' < proxy/VERSION)"
rev="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
dirty=""
if [ -n "$(git status --porcelain -- proxy shared 2>/dev/null)" ]; then dirty="-dirty"; fi
tag="${DPL_PROXY_IMAGE:-dpl-proxy}:${version}-${rev}${dirty}"
out="${1:-${TMPDIR:-/tmp}/dpl-proxy-context}"

grep -q "PROXY_VERSION = '${version}'" proxy/version.ts || { echo "proxy/VERSION ($version) and proxy/version.ts disagree" >&2; exit 1; }
npm run build --silent

rm -rf "$out"
mkdir -p "$out/dist"
cp -r dist/proxy dist/shared "$out/dist/"
find "$out/dist" -name '*.map' -delete
rm -f "$out/dist/proxy/build-context.sh"
cp proxy/Dockerfile "$out/Dockerfile"
# The proxy's runtime dependencies: every package the copied code requires, found by following
# require() from dist/proxy/main.js, pinned to the versions installed from the repository's lock file.
node -e '
const fs = require("fs"), path = require("path"), { builtinModules } = require("module");
const [version, out] = process.argv.slice(1);
const seen = new Set(), packages = new Set();
const visit = (file) => {
  if (seen.has(file)) return;
  seen.add(file);
  for (const [, spec] of fs.readFileSync(file, "utf8").matchAll(/require\(["\x27]([^"\x27]+)["\x27]\)/g)) {
    // The single-machine route store (dist/local) is not in the image: its route kind is local-only.
    const base = spec.startsWith(".") && path.resolve(path.dirname(file), spec);
    const local = base && [base + ".js", path.join(base, "index.js")].find((f) => fs.existsSync(f));
    if (base && !local) continue;
    if (local) visit(local);
    else if (!spec.startsWith("node:") && !builtinModules.includes(spec)) packages.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]);
  }
};
visit(path.resolve(out, "dist/proxy/main.js"));
const v = (n) => require(require.resolve(n + "/package.json", { paths: [process.cwd()] })).version;
const dependencies = Object.fromEntries([...packages].sort().map((n) => [n, v(n)]));
const pkg = { name: "dpl-proxy", version, private: true, main: "dist/proxy/main.js", dependencies };
fs.writeFileSync(out + "/package.json", JSON.stringify(pkg, null, 2) + "\n");
console.log("dependencies: " + Object.keys(dependencies).join(", "));
' "$version" "$out"
echo "$tag" > "$out/TAG"
echo "context: $out"
echo "docker build --build-arg VERSION=${version} --build-arg REVISION=${rev}${dirty} -t ${tag} ${out}"
