#!/usr/bin/env bash
# Installs what the store tests need; the fixtures start the servers themselves on loopback.
# Idempotent: a machine that already has everything is left as it is.
set -euo pipefail

if [ "$(id -u)" -eq 0 ]; then
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    echo "installing redis-server (Debian package) for the online and vector store tests"
    apt-get update -qq
    apt-get install -y -qq redis-server redis-tools >/dev/null
  fi
  # PostgreSQL refuses to run as root: the fixture runs it as this user.
  if ! id pgtest >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin pgtest
  fi
else
  command -v redis-server >/dev/null 2>&1 || echo "note: redis-server missing and not root: Redis tests will be skipped"
fi
command -v initdb >/dev/null 2>&1 || echo "note: initdb (PostgreSQL 15) not on PATH: PostgreSQL tests will be skipped"
