#!/usr/bin/env bash
# Vendors the pinned YASGUI build (server/package.json "vendored") into server/static/vendor/yasgui/
# (gitignored) and installs playwright-core (devDependencies) for the browser test. Idempotent: does
# nothing when the pinned version is already in place. Needs npm and the npm registry at set-up only.
set -euo pipefail
cd "$(dirname "$0")"
version=$(node -p "require('./package.json').vendored['@zazuko/yasgui']")
playwright=$(node -p "require('./package.json').devDependencies['playwright-core']")
target=static/vendor/yasgui
if [ "$(cat "$target/VERSION" 2>/dev/null)" != "$version" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "@zazuko/yasgui@$version" >/dev/null && tar xzf zazuko-yasgui-*.tgz)
  mkdir -p "$target"
  cp "$work/package/build/yasgui.min.js" "$work/package/build/yasgui.min.css" "$target/"
  cat > "$target/LICENSE" <<TEXT
@zazuko/yasgui $version (https://www.npmjs.com/package/@zazuko/yasgui), MIT licence
(package.json "license": "MIT"; authors: Triply <info@triply.cc>, Zazuko GmbH).
Copied unmodified from the package's build/ directory by server/vendor-yasgui.sh.
TEXT
  echo "$version" > "$target/VERSION"
fi
if [ "$(node -p "try { require('./node_modules/playwright-core/package.json').version } catch (e) { '' }")" != "$playwright" ]; then
  npm install --silent --no-audit --no-fund --no-save "playwright-core@$playwright" >/dev/null
fi
