#!/usr/bin/env bash
# Checks eff's portable kernels on arm64 without an arm64 machine: compiles them (with scripts/arm64/main.swift)
# for the host and, with Embedded Swift, for arm64 twice — baseline ARMv8.0 NEON (what a Linux arm64 build
# targets) and apple-m1 (what a macOS arm64 build targets: it adds the `sdot` int8 dot-product instruction) —
# runs the arm64 builds under qemu-aarch64 and requires every printed hash to equal the host's.
# It then counts the NEON instructions in each kernel so a scalar fallback shows.
#
# Needs (Debian/Ubuntu): apt-get install qemu-user libc6-dev-arm64-cross libgcc-12-dev-arm64-cross
# (any libgcc-N-dev-arm64-cross works). Exit status: 0 all equal, 1 a difference, 69 a tool is missing.
#
#   bash scripts/check-arm64.sh            # prints a summary; the work folder is removed at the end
#   KEEP=1 bash scripts/check-arm64.sh     # keeps the work folder (assembly, binaries, outputs)
set -euo pipefail
cd "$(dirname "$0")/.."

swiftc=$(command -v swiftc || true)
qemu=$(command -v qemu-aarch64 || command -v qemu-aarch64-static || true)
sysroot=/usr/aarch64-linux-gnu
gcc_dir=$(ls -d /usr/lib/gcc-cross/aarch64-linux-gnu/*/ 2>/dev/null | sort -V | tail -1 || true)
missing=()
[[ -n "$swiftc" ]] || missing+=("swiftc (the Swift toolchain)")
[[ -n "$qemu" ]] || missing+=("qemu-aarch64 (apt-get install qemu-user)")
[[ -f "$sysroot/lib/libc.a" ]] || missing+=("$sysroot/lib/libc.a (apt-get install libc6-dev-arm64-cross)")
[[ -n "$gcc_dir" && -f "$gcc_dir/crtbegin.o" ]] || missing+=("arm64 crtbegin.o (apt-get install libgcc-12-dev-arm64-cross)")
if ((${#missing[@]})); then
    printf 'check-arm64: missing %s\n' "${missing[@]}" >&2
    exit 69
fi
toolchain=$(dirname "$(readlink -f "$swiftc")")
clang="$toolchain/clang"
objdump="$toolchain/llvm-objdump"

work=$(mktemp -d "${TMPDIR:-/tmp}/eff-arm64.XXXXXX")
[[ -n "${KEEP:-}" ]] && echo "check-arm64: work folder $work" || trap 'rm -rf "$work"' EXIT
sources=(scripts/arm64/main.swift Sources/EffKernels/PortableRowKernels.swift Sources/EffKernels/PortableTileKernels.swift
         Sources/EffNumerics/HalfPrecision.swift)

"$swiftc" -O "${sources[@]}" -lm -o "$work/host"
"$work/host" > "$work/host.txt"

status=0
# name, swiftc target CPU (empty: the baseline), qemu CPU
for variant in "armv8:generic:cortex-a53" "apple-m1:apple-m1:max"; do
    IFS=: read -r name cpu qemu_cpu <<< "$variant"
    flags=(-target aarch64-none-none-elf -enable-experimental-feature Embedded -wmo -O)
    [[ "$cpu" != generic ]] && flags+=(-target-cpu "$cpu")
    "$swiftc" "${flags[@]}" -c "${sources[@]}" -o "$work/$name.o"
    "$swiftc" "${flags[@]}" -S "${sources[@]}" -o "$work/$name.s"
    "$clang" --target=aarch64-linux-gnu -fuse-ld=lld -static --sysroot="$sysroot" -B"$gcc_dir" -L"$gcc_dir" \
        "$work/$name.o" -lm -o "$work/$name"
    "$qemu" -cpu "$qemu_cpu" "$work/$name" > "$work/$name.txt"
    lines=$(wc -l < "$work/host.txt")
    if diff -q "$work/host.txt" "$work/$name.txt" > /dev/null; then
        echo "check-arm64: $name (qemu -cpu $qemu_cpu): all $lines results bit-identical to the host's"
    else
        echo "check-arm64: $name (qemu -cpu $qemu_cpu): results differ from the host's:" >&2
        diff "$work/host.txt" "$work/$name.txt" | head -20 >&2
        status=1
    fi
    # NEON instructions (operands on vN.<lanes> or qN registers) and sdot per kernel, from the object's disassembly.
    "$objdump" -d --no-show-raw-insn "$work/$name.o" | "$toolchain/swift-demangle" --simplified | awk -v name="$name" '
        /^[0-9a-f]+ <.*>:$/ {
            kernel = ""
            if (match($0, /Portable(Row|Tile)Kernels\.[A-Za-z0-9]+/)) kernel = substr($0, RSTART, RLENGTH)
            next
        }
        kernel != "" && NF > 1 {
            total[kernel]++
            if ($0 ~ /v[0-9]+\.(16b|8b|8h|4h|4s|2s|2d)|\<q[0-9]+\>/) neon[kernel]++
            if ($0 ~ /sdot/) dot[kernel]++
        }
        END {
            for (k in total) printf "  %-9s %-40s %4d instructions, %4d NEON, %3d sdot\n", name, k, total[k], neon[k], dot[k]
        }' | sort
done
exit $status
