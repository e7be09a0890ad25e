#!/usr/bin/env bash
# Builds one vsix per platform, each with the matching keyguard binary in
# bin/ (cross-compiled, CGO_ENABLED=0), into editors/vscode/dist/:
#   scripts/package.sh                 all five targets
#   scripts/package.sh linux-x64 ...   only these
# A universal vsix (no binary) would fall back to keyguard.server.path or a
# keyguard on PATH; platform vsix files make the extension work out of the box.
set -euo pipefail
cd "$(dirname "$0")/.."
ext=$(pwd)
repo=$(cd ../.. && pwd)

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(linux-x64 linux-arm64 darwin-x64 darwin-arm64 win32-x64)

[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
version=$(node -p 'require("./package.json").version')
# The binary reports the repository's commit next to its version (scripts/release
# passes COMMIT; a checkout's HEAD otherwise).
commit=${COMMIT:-$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)}
# Reproducible vsix: vsce stamps every zip entry with SOURCE_DATE_EPOCH and
# sorts them when it is set; the commit's time keeps two runs identical.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 0)}
mkdir -p dist
npm run --silent build
# vsce wants the license beside package.json; the repository keeps one copy.
cp "$repo/LICENSE" LICENSE
trap 'rm -f "$ext/LICENSE"' EXIT

for t in "${targets[@]}"; do
  case "$t" in
    linux-x64) goos=linux goarch=amd64 exe=keyguard ;;
    linux-arm64) goos=linux goarch=arm64 exe=keyguard ;;
    darwin-x64) goos=darwin goarch=amd64 exe=keyguard ;;
    darwin-arm64) goos=darwin goarch=arm64 exe=keyguard ;;
    win32-x64) goos=windows goarch=amd64 exe=keyguard.exe ;;
    *) echo "package.sh: unknown target $t" >&2; exit 2 ;;
  esac
  # bin/ holds exactly one binary, so no vsix carries another platform's.
  rm -rf bin
  mkdir -p bin
  (cd "$repo" && CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch \
    go build -trimpath -buildvcs=false -ldflags "-s -w -buildid= -X main.version=$version -X main.commit=$commit" -o "$ext/bin/$exe" ./cmd/keyguard)
  out=dist/keyguard-$t-$version.vsix
  # --no-dependencies: esbuild already bundled vscode-languageclient.
  # The base URLs make the README's relative images and links work on the
  # marketplace (vsce would otherwise drop the editors/vscode directory).
  npx vsce package --target "$t" --no-dependencies -o "$out" \
    --baseContentUrl https://github.com/keyguard/keyguard/blob/HEAD/editors/vscode \
    --baseImagesUrl https://github.com/keyguard/keyguard/raw/HEAD/editors/vscode >/dev/null
  echo "$ext/$out"
done
rm -rf bin
