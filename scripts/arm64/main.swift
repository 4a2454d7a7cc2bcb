// Cross-architecture check of the portable kernels (Sources/EffKernels/PortableRowKernels.swift and
// PortableTileKernels.swift): the code eff runs on arm64 (NEON) and on x86-64 CPUs without AVX2.
// scripts/check-arm64.sh compiles this file with those two for the host and for arm64 (Embedded Swift, so no
// arm64 SDK is needed), runs the arm64 builds under qemu-aarch64, and compares the printed lines: every line
// must match exactly.
//
// Each line is "format rows×columns hash": a FNV-1a hash of the bit patterns of every output. The integer dot
// products are exact and the f32 sums are done in the same order on every architecture (Swift does not contract
// a·b + c into an FMA), so the outputs must be bit-identical; the host's portable path is itself checked against
// the scalar reference twins in `swift test` (MatrixKernelTests, ActivationQuantizationTests).

/// xorshift64*: the same stream on every architecture.
struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27
        return state &* 2685821657736338717
    }
    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }  // [-1, 1)
    mutating func int8() -> Int8 { Int8(truncatingIfNeeded: Int(next() >> 56) % 255 - 127) }  // [-127, 127]
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next() >> 56) }
    /// f16 bits of a positive scale in [2^-8, 2^-1).
    mutating func halfScale() -> UInt16 { UInt16(0x1C00 + Int(next() >> 54) % 0x1800) }
}

func buffer<T>(_ count: Int, _ make: () -> T) -> UnsafeMutablePointer<T> {
    let p = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(count, 1))
    for i in 0..<count { (p + i).initialize(to: make()) }
    return p
}

func hash(_ output: UnsafePointer<Float>, _ count: Int) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for i in 0..<count {
        var bits = output[i].bitPattern
        for _ in 0..<4 { h = (h ^ UInt64(bits & 0xFF)) &* 0x100_0000_01b3; bits >>= 8 }
    }
    return String(h, radix: 16)
}

var random = Random(state: 0x9E37_79B9_7F4A_7C15)
func report(_ format: String, _ rows: Int, _ columns: Int, _ output: UnsafePointer<Float>) {
    print(format + " " + String(rows) + "x" + String(columns) + " " + hash(output, rows))
}

for rows in [1, 3, 4, 5, 8, 17] {
    let output = UnsafeMutablePointer<Float>.allocate(capacity: rows)
    defer { output.deallocate() }

    for columns in [1, 7, 8, 9, 33, 300] {  // f32, bf16: any width
        let x = buffer(columns) { random.float() }
        let w = buffer(rows * columns) { random.float() }
        PortableRowKernels.f32(weights: w, rowStride: columns, columns: columns, x: x, rowStart: 0, rowEnd: rows, output: output)
        report("f32", rows, columns, output)
        let h = buffer(rows * columns) { UInt16(truncatingIfNeeded: random.float().bitPattern >> 16) }
        PortableRowKernels.bf16(weights: h, rowStride: columns, columns: columns, x: x, rowStart: 0, rowEnd: rows, output: output)
        report("bf16", rows, columns, output)
        x.deallocate(); w.deallocate(); h.deallocate()
    }

    for columns in [32, 64, 96, 256, 288, 320, 352, 1024] {  // blocks of 32: int4 whole groups, pairs, an unpaired block
        let blocks = columns / 32
        let xCodes = buffer(columns) { random.int8() }
        let xScales = buffer(blocks) { random.float() + 1.5 }
        let xSums = buffer(blocks) { 0 as Int32 }
        for b in 0..<blocks { for j in 0..<32 { xSums[b] &+= Int32(xCodes[32 * b + j]) } }
        let codes = buffer(rows * columns) { random.int8() }
        let rowScales = buffer(rows) { random.float() + 1.5 }
        let scales = buffer(rows * blocks) { random.halfScale() }
        PortableRowKernels.int8PerRow(codes: codes, rowStride: columns, rowScales: rowScales, columns: columns,
                                      xCodes: xCodes, xScales: xScales, rowStart: 0, rowEnd: rows, output: output)
        report("int8", rows, columns, output)
        PortableRowKernels.int8Block32(codes: codes, rowStride: columns, scales: scales, columns: columns,
                                       xCodes: xCodes, xScales: xScales, rowStart: 0, rowEnd: rows, output: output)
        report("int8_block32", rows, columns, output)
        let nibbles = buffer(rows * columns / 2) { random.byte() }
        PortableRowKernels.int4Block32(codes: nibbles, rowStride: columns / 2, scales: scales, columns: columns,
                                       xCodes: xCodes, xScales: xScales, xSums: xSums, rowStart: 0, rowEnd: rows, output: output)
        report("int4", rows, columns, output)
        xCodes.deallocate(); xScales.deallocate(); xSums.deallocate(); codes.deallocate()
        rowScales.deallocate(); scales.deallocate(); nibbles.deallocate()
    }

    for columns in [256, 512, 768, 2048] {  // blocks of 256
        let blocks = columns / 256
        let xCodes = buffer(columns) { random.int8() }
        let xScales = buffer(blocks) { random.float() + 1.5 }
        let xSums = buffer(blocks) { 0 as Int32 }
        for b in 0..<blocks { for j in 0..<256 { xSums[b] &+= Int32(xCodes[256 * b + j]) } }
        // Ternary codes are 0, 1 or 2 in each 2-bit field.
        let ternary = buffer(rows * columns / 4) { () -> UInt8 in
            var byte: UInt8 = 0
            for k in 0..<4 { byte |= UInt8(random.next() % 3) << UInt8(2 * k) }
            return byte
        }
        let scales = buffer(rows * blocks) { random.halfScale() }
        PortableRowKernels.ternary(codes: ternary, rowStride: columns / 4, scales: scales, columns: columns,
                                   xCodes: xCodes, xScales: xScales, xSums: xSums, rowStart: 0, rowEnd: rows, output: output)
        report("ternary", rows, columns, output)
        let bits = buffer(rows * columns / 8) { random.byte() }
        let rowScales = buffer(rows) { random.float() + 1.5 }
        PortableRowKernels.binary(bits: bits, rowStride: columns / 8, rowScales: rowScales, columns: columns,
                                  xCodes: xCodes, xScale: 0.03125, xOffset: 0.5, rowStart: 0, rowEnd: rows, output: output)
        report("binary", rows, columns, output)
        xCodes.deallocate(); xScales.deallocate(); xSums.deallocate(); ternary.deallocate()
        scales.deallocate(); bits.deallocate(); rowScales.deallocate()
    }
}

// The GEMM register tile (6 × 16 floats of C, row stride 20) over several depths, plain and accumulating.
for depth in [1, 2, 7, 256] {
    let a = buffer(6 * depth) { random.float() }
    let b = buffer(16 * depth) { random.float() }
    let c = buffer(6 * 20) { random.float() }
    PortableTileKernels.gemmTile(depth: depth, packedA: a, packedB: b, c: c, ldc: 20, accumulate: true)
    report("gemm_tile_accumulate", 6, depth, c)
    PortableTileKernels.gemmTile(depth: depth, packedA: a, packedB: b, c: c, ldc: 20, accumulate: false)
    report("gemm_tile", 6, depth, c)
    a.deallocate(); b.deallocate(); c.deallocate()
}

// The int8 activation quantizer (codes, scales and sums; one all-zero block) and the int4 code grouping.
for (blocks, size) in [(1, 32), (3, 32), (2, 256), (1, 1000)] {
    let x = buffer(blocks * size) { random.float() * 4 }
    for j in 0..<size { x[j] = 0 }  // d = 0: every code 0
    if blocks > 1 { x[size] = 0.5; x[size + 1] = -0.5; x[size + 2] = 127 }  // ties round to even
    let codes = buffer(blocks * size) { 0 as Int8 }
    let scales = buffer(blocks) { 0 as Float }
    let sums = buffer(blocks) { 0 as Int32 }
    PortableTileKernels.quantizeActivations(x, blocks: blocks, size: size, codes: codes, scales: scales, sums: sums)
    let asFloats = buffer(blocks * size + 2 * blocks) { 0 as Float }
    for i in 0..<blocks * size { asFloats[i] = Float(codes[i]) }
    for i in 0..<blocks { asFloats[blocks * size + i] = scales[i]; asFloats[blocks * size + blocks + i] = Float(sums[i]) }
    report("quantize", blocks, size, asFloats)
    let grouped = buffer(blocks * size) { 0 as Int8 }
    PortableTileKernels.groupInt4(codes, count: blocks * size, into: grouped)
    for i in 0..<blocks * size { asFloats[i] = Float(grouped[i]) }
    report("group_int4", blocks, size, asFloats)
    x.deallocate(); codes.deallocate(); scales.deallocate(); sums.deallocate(); asFloats.deallocate(); grouped.deallocate()
}
