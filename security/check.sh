#!/usr/bin/env bash
# Dependency checks run by .ci/run: licences, banned crates and sources with cargo-deny (deny.toml).
# Advisories need the RustSec database from github.com, which this network cannot reach; see
# docs/security.md. Installs cargo-deny from crates.io when missing (once; a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-deny >/dev/null || cargo install cargo-deny --locked --quiet
cargo deny check licenses bans sources
