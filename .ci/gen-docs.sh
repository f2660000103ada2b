#!/usr/bin/env bash
# Regenerates the committed shell completions (completions/) and man pages (man/) from the
# clap definitions. tests/cli.rs fails when the committed copies are stale.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --quiet
rmq=target/debug/rmq
mkdir -p completions man
"$rmq" completions bash >completions/rmq.bash
"$rmq" completions zsh >completions/_rmq
"$rmq" completions fish >completions/rmq.fish
rm -f man/*.1
"$rmq" man --dir man
echo "completions/: $(ls completions | wc -l) files, man/: $(ls man | wc -l) pages"
