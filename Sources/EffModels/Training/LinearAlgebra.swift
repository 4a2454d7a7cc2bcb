// Small dense linear-algebra loops for training and f32 inference, written for the auto-vectorizer:
// every inner loop is a contiguous dot product (with SIMD accumulators in a fixed order) or an axpy.
// Results are deterministic: the reduction order depends only on the sizes.

/// Dot product of `count` floats with four SIMD8 accumulators (a fixed, size-determined order).
@inline(__always)
func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
    var sum0 = SIMD8<Float>(), sum1 = SIMD8<Float>(), sum2 = SIMD8<Float>(), sum3 = SIMD8<Float>()
    var index = 0
    let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
    let stride = MemoryLayout<Float>.stride
    while index + 32 <= count {
        sum0 += rawA.loadUnaligned(fromByteOffset: index * stride, as: SIMD8<Float>.self)
            * rawB.loadUnaligned(fromByteOffset: index * stride, as: SIMD8<Float>.self)
        sum1 += rawA.loadUnaligned(fromByteOffset: (index + 8) * stride, as: SIMD8<Float>.self)
            * rawB.loadUnaligned(fromByteOffset: (index + 8) * stride, as: SIMD8<Float>.self)
        sum2 += rawA.loadUnaligned(fromByteOffset: (index + 16) * stride, as: SIMD8<Float>.self)
            * rawB.loadUnaligned(fromByteOffset: (index + 16) * stride, as: SIMD8<Float>.self)
        sum3 += rawA.loadUnaligned(fromByteOffset: (index + 24) * stride, as: SIMD8<Float>.self)
            * rawB.loadUnaligned(fromByteOffset: (index + 24) * stride, as: SIMD8<Float>.self)
        index += 32
    }
    while index + 8 <= count {
        sum0 += rawA.loadUnaligned(fromByteOffset: index * stride, as: SIMD8<Float>.self)
            * rawB.loadUnaligned(fromByteOffset: index * stride, as: SIMD8<Float>.self)
        index += 8
    }
    var total = ((sum0 + sum1) + (sum2 + sum3)).sum()
    while index < count {
        total += a[index] * b[index]
        index += 1
    }
    return total
}

/// y[0..<count] += alpha · x[0..<count].
@inline(__always)
func axpy(_ y: UnsafeMutablePointer<Float>, _ alpha: Float, _ x: UnsafePointer<Float>, _ count: Int) {
    for index in 0..<count { y[index] += alpha * x[index] }
}

/// output = input · weightsᵀ (+ bias). // input (batch, inputs), weights (outputs, inputs), output (batch, outputs)
func matrixMultiplyTransposed(input: [Float], weights: [Float], bias: [Float]?, batch: Int, inputs: Int,
                              outputs: Int) -> [Float] {
    var output = [Float](repeating: 0, count: batch * outputs)
    input.withUnsafeBufferPointer { x in
        weights.withUnsafeBufferPointer { w in
            output.withUnsafeMutableBufferPointer { y in
                guard let xBase = x.baseAddress, let wBase = w.baseAddress, let yBase = y.baseAddress else { return }
                for row in 0..<batch {
                    let xRow = xBase + row * inputs
                    let yRow = yBase + row * outputs
                    for column in 0..<outputs {
                        yRow[column] = dot(xRow, wBase + column * inputs, inputs) + (bias?[column] ?? 0)
                    }
                }
            }
        }
    }
    return output
}

/// gradientInput = gradientOutput · weights. // gradientOutput (batch, outputs), weights (outputs, inputs)
func matrixMultiply(gradientOutput: [Float], weights: [Float], batch: Int, inputs: Int, outputs: Int) -> [Float] {
    var result = [Float](repeating: 0, count: batch * inputs)
    gradientOutput.withUnsafeBufferPointer { g in
        weights.withUnsafeBufferPointer { w in
            result.withUnsafeMutableBufferPointer { r in
                guard let gBase = g.baseAddress, let wBase = w.baseAddress, let rBase = r.baseAddress else { return }
                for row in 0..<batch {
                    for output in 0..<outputs {
                        let alpha = gBase[row * outputs + output]
                        if alpha != 0 { axpy(rBase + row * inputs, alpha, wBase + output * inputs, inputs) }
                    }
                }
            }
        }
    }
    return result
}

/// weightGradient += gradientOutputᵀ · input.
/// // weightGradient (outputs, inputs), gradientOutput (batch, outputs), input (batch, inputs)
func accumulateOuterProducts(into weightGradient: inout [Float], gradientOutput: [Float], input: [Float],
                             batch: Int, inputs: Int, outputs: Int) {
    weightGradient.withUnsafeMutableBufferPointer { dw in
        gradientOutput.withUnsafeBufferPointer { g in
            input.withUnsafeBufferPointer { x in
                guard let dwBase = dw.baseAddress, let gBase = g.baseAddress, let xBase = x.baseAddress else { return }
                for output in 0..<outputs {
                    let dwRow = dwBase + output * inputs
                    for row in 0..<batch {
                        let alpha = gBase[row * outputs + output]
                        if alpha != 0 { axpy(dwRow, alpha, xBase + row * inputs, inputs) }
                    }
                }
            }
        }
    }
}
