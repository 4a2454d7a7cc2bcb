import EffNumerics
/// Portable row kernels for ggml block types, read in place: the `generic` level and the baseline for the AVX2
/// ones (`AVX2Kernels.ggmlQ8_0` …). The int8 types take activations quantized per block of 32 (codes, f32
/// scale, Σ codes); the float types take f32 activations. output[r] = Σ_c W[r, c]·x[c] for r in rowStart..<rowEnd.
enum GGMLRowKernels {
    @inline(__always)
    static func half(_ pointer: UnsafeRawPointer) -> Float {
        HalfPrecision.float(fromHalf: pointer.loadUnaligned(as: UInt16.self))
    }

    /// Σ q_w·q_x over one block, weights as 32 signed bytes.
    @inline(__always)
    static func dotSigned(_ w: UnsafeRawPointer, _ x: UnsafePointer<Int8>) -> Int32 {
        var total: Int32 = 0
        for j in 0..<32 { total &+= Int32(w.load(fromByteOffset: j, as: Int8.self)) &* Int32(x[j]) }
        return total
    }

    /// Σ q_w·q_x over one block, weights as 16 nibble bytes (byte j: weight j low, weight j + 16 high).
    @inline(__always)
    static func dotNibbles(_ w: UnsafeRawPointer, _ x: UnsafePointer<Int8>) -> Int32 {
        var total: Int32 = 0
        for j in 0..<16 {
            let byte = w.load(fromByteOffset: j, as: UInt8.self)
            total &+= Int32(byte & 0x0F) &* Int32(x[j]) &+ Int32(byte >> 4) &* Int32(x[j &+ 16])
        }
        return total
    }

    static func q8_0(rows: UnsafeRawPointer, rowBytes: Int, blocks: Int, xCodes: UnsafePointer<Int8>, xScales: UnsafePointer<Float>,
                     rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        for r in rowStart..<rowEnd {
            let row = rows + r &* rowBytes
            var total: Float = 0
            for b in 0..<blocks {
                let block = row + b &* 34
                total += half(block) * xScales[b] * Float(dotSigned(block + 2, xCodes + b &* 32))
            }
            output[r] = total
        }
    }

    static func q4_0(rows: UnsafeRawPointer, rowBytes: Int, blocks: Int, xCodes: UnsafePointer<Int8>, xScales: UnsafePointer<Float>,
                     xSums: UnsafePointer<Int32>, rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        for r in rowStart..<rowEnd {
            let row = rows + r &* rowBytes
            var total: Float = 0
            for b in 0..<blocks {
                let block = row + b &* 18
                let dot = dotNibbles(block + 2, xCodes + b &* 32) &- 8 &* xSums[b]
                total += half(block) * xScales[b] * Float(dot)
            }
            output[r] = total
        }
    }

    static func q4_1(rows: UnsafeRawPointer, rowBytes: Int, blocks: Int, xCodes: UnsafePointer<Int8>, xScales: UnsafePointer<Float>,
                     xSums: UnsafePointer<Int32>, rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        for r in rowStart..<rowEnd {
            let row = rows + r &* rowBytes
            var total: Float = 0
            for b in 0..<blocks {
                let block = row + b &* 20
                let xs = xScales[b]
                total += half(block) * xs * Float(dotNibbles(block + 4, xCodes + b &* 32))
                total += half(block + 2) * xs * Float(xSums[b])
            }
            output[r] = total
        }
    }

    /// f16 and bf16 rows with f32 activations, 8 lanes at a time.
    static func sixteenBit(rows: UnsafeRawPointer, rowBytes: Int, columns: Int, brain: Bool, x: UnsafePointer<Float>,
                           rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        for r in rowStart..<rowEnd {
            let row = (rows + r &* rowBytes).assumingMemoryBound(to: UInt16.self)
            var total: Float = 0
            if brain {
                var acc = SIMD8<Float>()
                var c = 0
                while c &+ 8 <= columns {
                    let bits = SIMD8<UInt32>(truncatingIfNeeded: UnsafeRawPointer(row + c).loadUnaligned(as: SIMD8<UInt16>.self)) &<< 16
                    acc += unsafeBitCast(bits, to: SIMD8<Float>.self) * UnsafeRawPointer(x + c).loadUnaligned(as: SIMD8<Float>.self)
                    c &+= 8
                }
                total = acc.sum()
                while c < columns { total += HalfPrecision.float(fromBfloat: row[c]) * x[c]; c &+= 1 }
            } else {
                for c in 0..<columns { total += HalfPrecision.float(fromHalf: row[c]) * x[c] }
            }
            output[r] = total
        }
    }
}
