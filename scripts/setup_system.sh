#!/usr/bin/env bash
# System packages the tests use, from Debian: Chromium + ChromeDriver (the report is opened in
# a real headless browser) and PostgreSQL (a throwaway server for `cdi publish-postgres`).
# Idempotent and fast when everything is there (no apt call at all); CI runs it as root on a
# clean machine through `make test`. Selenium is pointed at /usr/bin/chromedriver, so no test
# tool ever tries to download a browser of its own.
# `setup_system.sh spark`: only Java 17 for the Spark target (pyspark 4 runs on 17 or later).
set -euo pipefail

missing=()
if [ "${1:-}" = "spark" ]; then
    java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1 || true)
    [ -n "$java_major" ] && [ "$java_major" -ge 17 ] || missing+=(openjdk-17-jre-headless)
else
# fonts-liberation is only recommended by chromium, but screenshots need some font
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-liberation)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
# The tests run initdb/pg_ctl/postgres from Debian's versioned folder, not from PATH.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
fi

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
    command -v sudo >/dev/null 2>&1 || {
        echo "setup_system: need root (or sudo) to install: ${missing[*]}" >&2
        exit 1
    }
else
    SUDO=
fi

echo "setup_system: installing ${missing[*]} from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
# The test fixture starts its own server in a temporary folder: Debian's default cluster
# (and its service on port 5432) is not needed, so ask postgresql-common not to create it.
if [[ " ${missing[*]} " == *" postgresql "* ]] && [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    $SUDO mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
