/// The row kernels of one instruction-set level: one function per weight format, each computing
/// `output[r] = Σ_c W[r, c]·x[c]` for r in rowStart..<rowEnd (no bias), explicit sizes, output first in spirit
/// (llama2.c style: the kernels know nothing of models).
///
/// EffKernels' `RowKernelTable` builds its dispatch closures once per conforming set — the portable loops
/// (`PortableRowKernels`, compiled for the baseline CPU in EffKernels and with AVX2 flags here) and the AVX2
/// intrinsics (`AVX2Kernels`) — so the closures are written once, not once per instruction set.
/// Declared here, in the lowest kernel module, so that both modules' kernel sets can conform.
public protocol RowKernelSet {
    /// f32 weights (rows, rowStride floats) · f32 x (columns).
    static func f32(weights: UnsafePointer<Float>, rowStride: Int, columns: Int, x: UnsafePointer<Float>,
                    rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>)
    /// IEEE half weights (rows, rowStride halves) · f32 x (columns).
    static func f16(weights: UnsafePointer<UInt16>, rowStride: Int, columns: Int, x: UnsafePointer<Float>,
                    rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>)
    /// bfloat16 weights (rows, rowStride values) · f32 x (columns).
    static func bf16(weights: UnsafePointer<UInt16>, rowStride: Int, columns: Int, x: UnsafePointer<Float>,
                     rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>)
    /// int8 codes with one f32 scale per row · int8 x codes with one scale per 32.
    static func int8PerRow(codes: UnsafePointer<Int8>, rowStride: Int, rowScales: UnsafePointer<Float>, columns: Int,
                           xCodes: UnsafePointer<Int8>, xScales: UnsafePointer<Float>,
                           rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>)
    /// int8 codes with one f16 scale per 32 · int8 x codes with one scale per 32.
    static func int8Block32(codes: UnsafePointer<Int8>, rowStride: Int, scales: UnsafePointer<UInt16>, columns: Int,
                            xCodes: UnsafePointer<Int8>, xScales: UnsafePointer<Float>,
                            rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>)
    /// 4-bit codes (grouped layout, see `WeightFormat`) with one f16 scale per 32 · grouped int8 x codes.
    static func int4Block32(codes: UnsafePointer<UInt8>, rowStride: Int, scales: UnsafePointer<UInt16>, columns: Int,
                            xCodes: UnsafePointer<Int8>, xScales: UnsafePointer<Float>, xSums: UnsafePointer<Int32>,
                            rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>)
    /// 2-bit ternary codes with one f16 scale per 256 · int8 x codes with one scale per 256.
    static func ternary(codes: UnsafePointer<UInt8>, rowStride: Int, scales: UnsafePointer<UInt16>, columns: Int,
                        xCodes: UnsafePointer<Int8>, xScales: UnsafePointer<Float>, xSums: UnsafePointer<Int32>,
                        rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>)
    /// Sign bits with one f32 scale per row · int8 x codes with one scale per vector.
    static func binary(bits: UnsafePointer<UInt8>, rowStride: Int, rowScales: UnsafePointer<Float>, columns: Int,
                       xCodes: UnsafePointer<Int8>, xScale: Float, xOffset: Float,
                       rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>)
    /// CSR: f32 values and int32 column indices of the nonzeros, int32 row offsets (rows + 1) · f32 x.
    static func sparseCSR(values: UnsafePointer<Float>, columnIndices: UnsafePointer<Int32>,
                          rowOffsets: UnsafePointer<Int32>, x: UnsafePointer<Float>,
                          rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>)
    /// 2:4: two f32 values per group of 4 (rowStride floats per row) and a byte of two 2-bit positions per group.
    static func sparse2of4(values: UnsafePointer<Float>, rowStride: Int, positions: UnsafePointer<UInt8>, columns: Int,
                           x: UnsafePointer<Float>, rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>)
}

/// The portable loops compiled with this module's AVX2 flags form a complete set.
extension PortableRowKernels: RowKernelSet {}

#if arch(x86_64)
/// The AVX2 set: intrinsics where written (see `WeightFormatTraits.avx2Kernel`), else the portable loops
/// compiled with AVX2 flags.
extension AVX2Kernels: RowKernelSet {
    public static func int4Block32(codes: UnsafePointer<UInt8>, rowStride: Int, scales: UnsafePointer<UInt16>, columns: Int,
                                   xCodes: UnsafePointer<Int8>, xScales: UnsafePointer<Float>, xSums: UnsafePointer<Int32>,
                                   rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        int4(codes: codes, rowStride: rowStride, scales: scales, columns: columns, xCodes: xCodes, xScales: xScales,
             xSums: xSums, rowStart: rowStart, rowEnd: rowEnd, output: output)
    }

    public static func sparseCSR(values: UnsafePointer<Float>, columnIndices: UnsafePointer<Int32>,
                                 rowOffsets: UnsafePointer<Int32>, x: UnsafePointer<Float>,
                                 rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        PortableRowKernels.sparseCSR(values: values, columnIndices: columnIndices, rowOffsets: rowOffsets, x: x,
                                     rowStart: rowStart, rowEnd: rowEnd, output: output)
    }

    public static func sparse2of4(values: UnsafePointer<Float>, rowStride: Int, positions: UnsafePointer<UInt8>, columns: Int,
                                  x: UnsafePointer<Float>, rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        PortableRowKernels.sparse2of4(values: values, rowStride: rowStride, positions: positions, columns: columns, x: x,
                                      rowStart: rowStart, rowEnd: rowEnd, output: output)
    }
}
#endif
