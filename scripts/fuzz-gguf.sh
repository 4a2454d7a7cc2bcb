#!/usr/bin/env bash
# Builds the libFuzzer target for eff's GGUF reader (Fuzz/GGUFFuzz) with the Swift toolchain's
# -sanitize=fuzzer,address and runs it on the seed corpus Fuzz/corpus/gguf.
#
#   scripts/fuzz-gguf.sh                      # 1,000,000 executions (-runs), inputs up to 20 KB
#   scripts/fuzz-gguf.sh -runs=100000         # any libFuzzer flags replace the defaults of the same name
#   FUZZ_BUILD_ONLY=1 scripts/fuzz-gguf.sh    # build only
#
# SwiftPM-independent: the sources of EffKernelsAVX2, EffKernels and EffLLM are compiled as modules with swiftc
# (EffLLM instrumented for coverage; all with AddressSanitizer) into .build-fuzz/. New inputs found go to
# .build-fuzz/corpus (the committed seeds stay as they are); crashes to .build-fuzz/crash-*.
# Runs one process, niced. Linux x86-64 or arm64 with the open-source toolchain (Xcode's lacks libFuzzer).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=.build-fuzz
mkdir -p "$OUT/corpus"
SWIFTC=${SWIFTC:-swiftc}
COMMON=(-O -parse-as-library -wmo -I "$OUT" -sanitize=address -swift-version 5)
AVX=()
if [ "$(uname -m)" = x86_64 ]; then AVX=(-Xcc -mavx2 -Xcc -mfma -Xcc -mf16c -Xcc -mbmi2); fi

build() {  # module name, extra flags, sources…
    local name=$1; shift
    local extra=($1); shift
    "$SWIFTC" "${COMMON[@]}" ${extra[@]+"${extra[@]}"} -module-name "$name" -emit-module -emit-module-path "$OUT/$name.swiftmodule" \
        -c "$@" -o "$OUT/$name.o"
}

stamp=$(cat Sources/EffKernelsAVX2/*.swift $(find Sources/EffKernels Sources/EffLLM -name '*.swift' | sort) Fuzz/GGUFFuzz/main.swift "$0" | cksum)
if [ ! -x "$OUT/gguf-fuzz" ] || [ "$(cat "$OUT/stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "building $OUT/gguf-fuzz …" >&2
    build EffKernelsAVX2 "${AVX[*]:-}" Sources/EffKernelsAVX2/*.swift
    build EffKernels "" $(find Sources/EffKernels -name '*.swift' | sort)
    build EffLLM "-sanitize=fuzzer" $(find Sources/EffLLM -name '*.swift' | sort)
    "$SWIFTC" "${COMMON[@]}" -sanitize=fuzzer -use-ld=lld Fuzz/GGUFFuzz/main.swift "$OUT/EffKernelsAVX2.o" "$OUT/EffKernels.o" "$OUT/EffLLM.o" \
        -o "$OUT/gguf-fuzz"
    echo "$stamp" > "$OUT/stamp"
fi
[ -n "${FUZZ_BUILD_ONLY:-}" ] && exit 0

# Defaults, each replaced by a flag of the same name on the command line.
declare -A defaults=([-runs]=1000000 [-max_len]=20000 [-timeout]=10 [-rss_limit_mb]=2048 [-print_final_stats]=1 [-artifact_prefix]="$OUT/")
for arg in "$@"; do defaults[${arg%%=*}]=_given; done
flags=()
for k in "${!defaults[@]}"; do [ "${defaults[$k]}" != _given ] && flags+=("$k=${defaults[$k]}"); done
# ASan without leak checks: the Swift runtime keeps metadata caches that LeakSanitizer would report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
exec nice -n 10 "$OUT/gguf-fuzz" "${flags[@]}" "$@" "$OUT/corpus" Fuzz/corpus/gguf
