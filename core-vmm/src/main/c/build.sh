#!/usr/bin/env bash
# Builds libhvnative.so into OUT_DIR (JNA finds it there on the class path as linux-x86-64/...).
set -euo pipefail
out=${1:?usage: build.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)

mkdir -p "$out"
if [ ! -f "$out/libhvnative.so" ] || [ "$here/hvnative.c" -nt "$out/libhvnative.so" ]; then
  gcc -O2 -Wall -Werror -shared -fPIC -o "$out/libhvnative.so" "$here/hvnative.c"
fi
