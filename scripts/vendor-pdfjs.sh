#!/usr/bin/env bash
# Copy Mozilla's pdf.js (npm package pdfjs-dist, pinned in webui/package.json and its lock) into
# webui/static/vendor/pdfjs/, with a manifest of sha256 values. The copies are committed, so a
# plain `pip install .` (which ships webui/ in the wheel) needs no npm; rerun this after changing
# the pin, and commit the result. tests/unit/web/test_vendored_pdfjs.py checks the copies.
#
# We take the legacy build: it is transpiled for older browsers, and learners' phones are old.
set -euo pipefail
cd "$(dirname "$0")/.."
# npm works in build/ (ignored by git) so node_modules never lands inside webui/, which the
# wheel ships whole.
work=build/pdfjs
dest=webui/static/vendor/pdfjs
mkdir -p "$work" "$dest"
cp webui/package.json webui/package-lock.json "$work/"
# --omit=optional: pdfjs-dist's optional @napi-rs/canvas is for Node, not browsers.
(cd "$work" && npm ci --omit=optional --ignore-scripts --no-audit --no-fund)
package="$work/node_modules/pdfjs-dist"
version=$(node -p "require('./$package/package.json').version")
files=(legacy/build/pdf.min.mjs legacy/build/pdf.worker.min.mjs LICENSE)
rm -f "$dest"/*
{
  printf '{\n  "package": "pdfjs-dist",\n  "version": "%s",\n  "files": {\n' "$version"
  for i in "${!files[@]}"; do
    source_path=${files[$i]}
    name=$(basename "$source_path")
    cp "$package/$source_path" "$dest/$name"
    sum=$(sha256sum "$dest/$name" | cut -d' ' -f1)
    separator=$([ "$i" -lt $((${#files[@]} - 1)) ] && echo , || true)
    printf '    "%s": {"from": "%s", "sha256": "%s"}%s\n' "$name" "$source_path" "$sum" "$separator"
  done
  printf '  }\n}\n'
} >"$dest/vendor.json"
echo "pdfjs-dist $version copied into $dest"
