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
# The proxy's runtime dependencies, pinned to the versions installed from the repository's lock file.
node -e '
const fs = require("fs");
const v = (n) => require(require.resolve(n + "/package.json", { paths: [process.cwd()] })).version;
const pkg = { name: "dpl-proxy", version: process.argv[1], private: true, main: "dist/proxy/main.js",
  dependencies: { undici: v("undici"), zod: v("zod") } };
fs.writeFileSync(process.argv[2] + "/package.json", JSON.stringify(pkg, null, 2) + "\n");
' "$version" "$out"
echo "$tag" > "$out/TAG"
echo "context: $out"
echo "docker build --build-arg VERSION=${version} --build-arg REVISION=${rev}${dirty} -t ${tag} ${out}"
