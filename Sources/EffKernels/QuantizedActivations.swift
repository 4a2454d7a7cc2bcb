/// Activations prepared for one weight format: padded f32 copies, or int8 codes per block of 32 (like ggml Q8_0).
///
/// Int8 form: code = round(x / d) with d = max|x| / 127 per block of 32; `sums` holds Σ codes per block so kernels
/// can remove the offset of unsigned weight codes (int4: q − 8, ternary: code − 1) with one subtraction per block.
struct QuantizedActivations {
    /// Length after padding (a multiple of the format's column padding).
    let paddedCount: Int
    /// f32 activations, padded with zeros: (batch, paddedCount).
    let floats: AlignedBuffer
    /// int8 codes: (batch, paddedCount); empty for float formats.
    let codes: AlignedBuffer
    /// f32 scale per block of 32: (batch, paddedCount / 32).
    let scales: AlignedBuffer
    /// int32 Σ codes per block of 32: (batch, paddedCount / 32).
    let sums: AlignedBuffer

    /// Prepares `batch` vectors of `count` floats (x: (batch, count) row-major) for `format`.
    init(_ x: UnsafePointer<Float>, count: Int, batch: Int, format: WeightFormat) throws {
        paddedCount = WeightFormat.padded(count, to: format.columnPadding)
        floats = try AlignedBuffer(byteCount: batch * paddedCount * 4, what: "activations")
        let floatOut = floats.baseAddress.assumingMemoryBound(to: Float.self)
        for b in 0..<batch { (floatOut + b * paddedCount).update(from: x + b * count, count: count) }
        guard format.usesInt8Activations else {
            codes = try AlignedBuffer(byteCount: 0); scales = codes; sums = codes
            return
        }
        let blocks = paddedCount / 32
        codes = try AlignedBuffer(byteCount: batch * paddedCount, what: "activation codes")
        scales = try AlignedBuffer(byteCount: batch * blocks * 4, what: "activation scales")
        sums = try AlignedBuffer(byteCount: batch * blocks * 4, what: "activation sums")
        QuantizedActivations.quantize(floatOut, blocks: batch * blocks,
                                      codes: codes.baseAddress.assumingMemoryBound(to: Int8.self),
                                      scales: scales.baseAddress.assumingMemoryBound(to: Float.self),
                                      sums: sums.baseAddress.assumingMemoryBound(to: Int32.self))
    }

    /// Q8_0-style quantization of `blocks` blocks of 32 floats.
    static func quantize(_ x: UnsafePointer<Float>, blocks: Int, codes: UnsafeMutablePointer<Int8>,
                         scales: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Int32>) {
        for b in 0..<blocks {
            let block = x + 32 * b
            var largest: Float = 0
            for j in 0..<32 { largest = max(largest, abs(block[j])) }
            let scale = largest / 127
            let inverse = scale > 0 ? 1 / scale : 0
            var sum: Int32 = 0
            for j in 0..<32 {
                let code = Int8((block[j] * inverse).rounded(.toNearestOrEven))
                codes[32 * b + j] = code
                sum &+= Int32(code)
            }
            scales[b] = scale
            sums[b] = sum
        }
    }

    func floats(_ item: Int) -> UnsafePointer<Float> {
        UnsafePointer(floats.baseAddress.assumingMemoryBound(to: Float.self) + item * paddedCount)
    }
    func codes(_ item: Int) -> UnsafePointer<Int8> {
        UnsafePointer(codes.baseAddress.assumingMemoryBound(to: Int8.self) + item * paddedCount)
    }
    func scales(_ item: Int) -> UnsafePointer<Float> {
        UnsafePointer(scales.baseAddress.assumingMemoryBound(to: Float.self) + item * (paddedCount / 32))
    }
    func sums(_ item: Int) -> UnsafePointer<Int32> {
        UnsafePointer(sums.baseAddress.assumingMemoryBound(to: Int32.self) + item * (paddedCount / 32))
    }
}
