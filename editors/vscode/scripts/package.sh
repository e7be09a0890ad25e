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
# The binary reports the repository's commit next to the extension version.
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
mkdir -p dist
npm run --silent build

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
    go build -trimpath -ldflags "-s -w -X main.version=$version+$commit" -o "$ext/bin/$exe" ./cmd/keyguard)
  out=dist/keyguard-$t-$version.vsix
  # --no-dependencies: esbuild already bundled vscode-languageclient.
  # --skip-license: the repository has no LICENSE file yet.
  # The base URLs make the README's relative images and links work on the
  # marketplace (vsce would otherwise drop the editors/vscode directory).
  npx vsce package --target "$t" --no-dependencies --skip-license -o "$out" \
    --baseContentUrl https://github.com/keyguard/keyguard/blob/HEAD/editors/vscode \
    --baseImagesUrl https://github.com/keyguard/keyguard/raw/HEAD/editors/vscode >/dev/null
  echo "$ext/$out"
done
rm -rf bin
