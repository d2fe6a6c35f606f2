#!/usr/bin/env bash
# Installs the Debian packages the tests talk to for real: a MQTT broker, an InfluxDB server,
# Chromium with its driver, npm (for axe-core), docker-compose (only to validate docker-compose.yml)
# and poppler-utils.
# As root it installs what is missing; otherwise it only says what is missing, and the tests
# that need it are skipped (or fail when CI=true).
set -euo pipefail
need=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v influxd >/dev/null 2>&1 || need+=(influxdb)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)  # renders the coach's advice sheet to PNG in tests
command -v npm >/dev/null 2>&1 || need+=(npm)  # installs axe-core for the accessibility test
if [ ${#need[@]} -eq 0 ]; then
    :
elif [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages for the tests: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    # the packages start their services; the tests start their own on free ports
    systemctl disable --now mosquitto influxdb >/dev/null 2>&1 || true
else
    echo "Not root: the tests that need ${need[*]} will be skipped. Install them with:"
    echo "  sudo apt-get install ${need[*]}"
fi
# axe-core (the accessibility check in tests/dashboard/test_a11y.py), pinned in its package-lock.json
axe="$(dirname "$0")/../tests/dashboard/axe"
if [ ! -f "$axe/node_modules/axe-core/axe.min.js" ] && command -v npm >/dev/null 2>&1; then
    npm ci --prefix "$axe" --no-audit --no-fund --loglevel=error
fi
