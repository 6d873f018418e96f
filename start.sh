#!/usr/bin/env bash
# Installs what is missing, then serves the bundled Lumen example on :8880 in the foreground.
# Ctrl-C stops the server and every PHP worker.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(php8.2-cli php-laravel-lumen-framework php-nyholm-psr7)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "start.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "start.sh: missing Debian packages: ${missing[*]}" >&2
    echo "start.sh: install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if ! command -v node >/dev/null || (($(node -p 'process.versions.node.split(".")[0]') < 20)); then
  echo "start.sh: Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# npm ci also builds dist/ (the prepare script); reinstall when the lockfile changed.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
elif [[ ! -f dist/cli/main.js ]] || [[ -n $(find src -newer dist/cli/main.js -name '*.ts' -print -quit) ]]; then
  npm run build
fi

exec bin/courser serve -c examples/lumen/.rr.yaml "$@"
