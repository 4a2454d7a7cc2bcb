#if arch(x86_64)
import EffKernelsAVX2
#endif

/// Activations prepared for one weight format: padded f32 copies, or int8 codes per block (like ggml Q8_0 / Q8_K).
///
/// Int8 form: code = round(x / d) with d = max|x| / 127 per block of `format.activationBlock` (32 for int8 and
/// int4, 256 for ternary, the whole vector for binary); `sums` holds Σ codes per block so kernels can remove the offset of unsigned
/// weight codes (int4: q − 8, ternary: code − 1, binary: 2·bit − 1) with one subtraction per block.
struct QuantizedActivations {
    /// Length after padding (a multiple of the format's column padding).
    let paddedCount: Int
    /// Activations per scale (32 or 256; 0 for float formats).
    let block: Int
    /// f32 activations, padded with zeros: (batch, paddedCount).
    let floats: AlignedBuffer
    /// int8 codes: (batch, paddedCount); empty for float formats.
    let codes: AlignedBuffer
    /// f32 scale per block: (batch, paddedCount / block).
    let scales: AlignedBuffer
    /// int32 Σ codes per block: (batch, paddedCount / block).
    let sums: AlignedBuffer
    /// Binary only, per item: (2·scale, scale·sum) — the binary kernel computes d·(2·scale·S − scale·sum).
    let offsets: AlignedBuffer
    /// int4 only: the codes of `codes` reordered per group of 8 blocks (256 values) to match the int4 weight
    /// layout (see `PortableTileKernels.groupInt4`); (batch, paddedCount), empty for other formats.
    let groupedCodes: AlignedBuffer

    /// Prepares `batch` vectors of `count` floats (x: (batch, count) row-major) for `format`; `level` picks the
    /// quantization loop (the AVX2 one gives bit-identical codes, scales and sums).
    init(_ x: UnsafePointer<Float>, count: Int, batch: Int, format: WeightFormat, level: InstructionSet = .generic) throws {
        paddedCount = WeightFormat.padded(count, to: format.columnPadding)
        floats = try AlignedBuffer(byteCount: batch * paddedCount * 4, what: "activations")
        let floatOut = floats.baseAddress.assumingMemoryBound(to: Float.self)
        for b in 0..<batch { (floatOut + b * paddedCount).update(from: x + b * count, count: count) }
        guard format.usesInt8Activations else {
            block = 0
            codes = try AlignedBuffer(byteCount: 0); scales = codes; sums = codes; offsets = codes; groupedCodes = codes
            return
        }
        block = format.activationBlock(paddedCount)
        let blocks = paddedCount / block
        codes = try AlignedBuffer(byteCount: batch * paddedCount, what: "activation codes")
        scales = try AlignedBuffer(byteCount: batch * blocks * 4, what: "activation scales")
        sums = try AlignedBuffer(byteCount: batch * blocks * 4, what: "activation sums")
        offsets = try AlignedBuffer(byteCount: format == .binary ? batch * 8 : 0, what: "activation offsets")
        groupedCodes = try AlignedBuffer(byteCount: format == .int4Block32 ? batch * paddedCount : 0, what: "activation codes")
        let scaleOut = scales.baseAddress.assumingMemoryBound(to: Float.self)
        let sumOut = sums.baseAddress.assumingMemoryBound(to: Int32.self)
        let codeOut = codes.baseAddress.assumingMemoryBound(to: Int8.self)
        #if arch(x86_64)
        if level >= .avx2 {
            AVX2Kernels.quantizeActivations(floatOut, blocks: batch * blocks, size: block, codes: codeOut, scales: scaleOut, sums: sumOut)
        } else {
            PortableTileKernels.quantizeActivations(floatOut, blocks: batch * blocks, size: block, codes: codeOut, scales: scaleOut, sums: sumOut)
        }
        #else
        PortableTileKernels.quantizeActivations(floatOut, blocks: batch * blocks, size: block, codes: codeOut, scales: scaleOut, sums: sumOut)
        #endif
        if format == .int4Block32 {
            let groupedOut = groupedCodes.baseAddress.assumingMemoryBound(to: Int8.self)
            for item in 0..<batch {
                PortableTileKernels.groupInt4(codeOut + item * paddedCount, count: paddedCount, into: groupedOut + item * paddedCount)
            }
        }
        if format == .binary {
            let offsetOut = offsets.baseAddress.assumingMemoryBound(to: Float.self)
            for item in 0..<batch where blocks == 1 {  // one block per item (none when there are no columns)
                offsetOut[2 * item] = 2 * scaleOut[item * blocks]
                offsetOut[2 * item + 1] = scaleOut[item * blocks] * Float(sumOut[item * blocks])
            }
        }
    }

    func floats(_ item: Int) -> UnsafePointer<Float> {
        UnsafePointer(floats.baseAddress.assumingMemoryBound(to: Float.self) + item * paddedCount)
    }
    func codes(_ item: Int) -> UnsafePointer<Int8> {
        UnsafePointer(codes.baseAddress.assumingMemoryBound(to: Int8.self) + item * paddedCount)
    }
    func scales(_ item: Int) -> UnsafePointer<Float> {
        UnsafePointer(scales.baseAddress.assumingMemoryBound(to: Float.self) + item * (paddedCount / max(block, 1)))
    }
    func sums(_ item: Int) -> UnsafePointer<Int32> {
        UnsafePointer(sums.baseAddress.assumingMemoryBound(to: Int32.self) + item * (paddedCount / max(block, 1)))
    }
    /// int4: the codes of item `item` in the grouped order of `PortableTileKernels.groupInt4`.
    func groupedCodes(_ item: Int) -> UnsafePointer<Int8> {
        UnsafePointer(groupedCodes.baseAddress.assumingMemoryBound(to: Int8.self) + item * paddedCount)
    }
    /// Binary: 2·scale of item `item`.
    func doubledScale(_ item: Int) -> Float {
        offsets.baseAddress.assumingMemoryBound(to: Float.self)[2 * item]
    }
    /// Binary: scale · Σ codes of item `item`.
    func offset(_ item: Int) -> Float {
        offsets.baseAddress.assumingMemoryBound(to: Float.self)[2 * item + 1]
    }
}
