#!/usr/bin/env bash
# Builds EffKernels and its unit tests for arm64 Linux with Debian's arm64 Swift toolchain, run under
# qemu-aarch64 (the compiler itself is emulated: ~15 minutes on a 2-core VM), then runs the tests emulated as a Cortex-A53 and
# as qemu's `max` CPU. This is the whole kernel test suite (scalar twins vs the portable/NEON kernels, quantizers,
# elementwise ops, dispatch) on arm64, for a machine without one. Left out: WorkTests (Debian's Swift 6.0.3
# cannot type-check its literal dictionaries; the counts do not depend on the architecture) and
# Arm64CrossCheckTests (it is the lighter version of this check).
#
# Needs: apt (Debian/Ubuntu; it downloads ~450 MB of Debian trixie arm64 packages into the work folder and
# installs nothing), qemu-aarch64 (apt-get install qemu-user), and the host Swift toolchain (its clang and
# lld link the arm64 objects). Exit status: 0 the tests pass on both CPUs, 1 a failure, 69 a tool is missing.
#
#   WORK=/tmp/eff-arm64-tests bash scripts/test-kernels-arm64.sh   # the work folder is kept for re-runs
set -euo pipefail
cd "$(dirname "$0")/.."
work=${WORK:-/tmp/eff-arm64-tests}
qemu=$(command -v qemu-aarch64 || command -v qemu-aarch64-static || true)
swiftc=$(command -v swiftc || true)
if [[ -z "$qemu" || -z "$swiftc" ]] || ! command -v apt-get > /dev/null; then
    echo "test-kernels-arm64: needs qemu-aarch64 (apt-get install qemu-user), swiftc and apt-get" >&2
    exit 69
fi
toolchain=$(dirname "$(readlink -f "$swiftc")")
mkdir -p "$work"/apt/{lists/partial,cache/archives/partial} "$work/debs" "$work/build"
root="$work/root"

# 1. Debian trixie's arm64 Swift toolchain and the libraries it runs on, unpacked (not installed) into $root.
if [[ ! -x "$root/usr/libexec/swift/bin/swift-frontend" ]]; then
    echo 'deb http://deb.debian.org/debian trixie main' > "$work/apt/sources.list"
    touch "$work/apt/status"
    apt_options=(-o Dir::Etc::SourceList="$work/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
                 -o Dir::State::Lists="$work/apt/lists" -o Dir::Cache="$work/apt/cache"
                 -o Dir::State::Status="$work/apt/status" -o APT::Architectures::=arm64 -o APT::Architecture=arm64)
    apt-get "${apt_options[@]}" update -qq
    (cd "$work/debs" && apt-get "${apt_options[@]}" download swiftlang:arm64 libswiftlang:arm64 libc6:arm64 \
        libc6-dev:arm64 libgcc-s1:arm64 libstdc++6:arm64 libgcc-14-dev:arm64 linux-libc-dev:arm64 \
        libuuid1:arm64 zlib1g:arm64 libzstd1:arm64 libtinfo6:arm64)
    for deb in "$work"/debs/*.deb; do dpkg -x "$deb" "$root"; done
    [[ -e "$root/lib" ]] || ln -s usr/lib "$root/lib"  # the loader path /lib/ld-linux-aarch64.so.1
fi

# 2. Compile (emulated): the shared numerics (EffNumerics, a leaf module EffKernels imports), the AVX2 module (on arm64 only the shared portable file), EffKernels with testing
#    enabled, and the tests with a generated XCTMain list.
frontend=("$qemu" -L "$root" "$root/usr/libexec/swift/bin/swift-frontend" -frontend)
common=(-target aarch64-unknown-linux-gnu -swift-version 5 -resource-dir "$root/usr/libexec/swift/lib/swift"
        -I "$work/build")
"${frontend[@]}" -c "${common[@]}" -parse-as-library -O -module-name EffNumerics \
    Sources/EffNumerics/*.swift -emit-module-path "$work/build/EffNumerics.swiftmodule" -o "$work/build/EffNumerics.o"
"${frontend[@]}" -c "${common[@]}" -parse-as-library -O -enable-testing -module-name EffKernelsAVX2 \
    Sources/EffKernelsAVX2/*.swift -emit-module-path "$work/build/EffKernelsAVX2.swiftmodule" -o "$work/build/EffKernelsAVX2.o"
"${frontend[@]}" -c "${common[@]}" -parse-as-library -O -enable-testing -module-name EffKernels \
    Sources/EffKernels/*.swift -emit-module-path "$work/build/EffKernels.swiftmodule" -o "$work/build/EffKernels.o"
tests=()
for file in Tests/EffKernelsTests/*.swift; do
    case "$file" in *Arm64CrossCheckTests.swift|*WorkTests.swift) ;; *) tests+=("$file") ;; esac
done
python3 - "$work/build/main.swift" "${tests[@]}" <<'EOF'
import re, sys
cases = []
for path in sys.argv[2:]:
    current = None
    for line in open(path):
        if m := re.match(r'\s*final class (\w+)\s*:\s*XCTestCase', line):
            current = (m.group(1), []); cases.append(current)
        elif (m := re.match(r'\s*func (test\w+)\(\)', line)) and current:
            current[1].append(m.group(1))
lines = ['import XCTest', '@testable import EffKernels', '', 'XCTMain([']
lines += ['    testCase([' + ', '.join(f'("{t}", {c}.{t})' for t in tests) + ']),' for c, tests in cases if tests]
open(sys.argv[1], 'w').write('\n'.join(lines + ['])']) + '\n')
EOF
"${frontend[@]}" -c "${common[@]}" -Onone -module-name EffKernelsTests "${tests[@]}" "$work/build/main.swift" \
    -o "$work/build/tests.o"

# 3. Link with the host's clang and lld against the arm64 libraries, and run emulated.
objects=("$work/build/EffNumerics.o" "$work/build/EffKernelsAVX2.o" "$work/build/EffKernels.o" "$work/build/tests.o")
libraries=$("$toolchain/swift-autolink-extract" "${objects[@]}" -o - | sort -u)
# shellcheck disable=SC2086
"$toolchain/clang" --target=aarch64-linux-gnu -fuse-ld=lld --sysroot="$root" \
    "$root/usr/libexec/swift/lib/swift/linux/aarch64/swiftrt.o" "${objects[@]}" \
    -L"$root/usr/libexec/swift/lib/swift/linux" -Wl,-rpath,/usr/libexec/swift/lib/swift/linux $libraries \
    -o "$work/build/kernel-tests"
status=0
for cpu in cortex-a53 max; do
    if "$qemu" -L "$root" -cpu "$cpu" "$work/build/kernel-tests" > "$work/build/tests-$cpu.log" 2>&1; then
        echo "test-kernels-arm64: qemu -cpu $cpu: $(grep -E 'Executed [0-9]+ tests' "$work/build/tests-$cpu.log" | tail -1 | sed 's/^[[:space:]]*//')"
    else
        echo "test-kernels-arm64: qemu -cpu $cpu: FAILED (log: $work/build/tests-$cpu.log)" >&2
        grep -E 'error|failed' "$work/build/tests-$cpu.log" | head -20 >&2
        status=1
    fi
done
exit $status
