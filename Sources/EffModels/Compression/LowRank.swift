import EffKernels
/// Low-rank factorization: each large dense layer becomes two thin ones through a truncated SVD.
extension Model {
    /// A copy where every dense layer with `rank < min(inputs, outputs)` is replaced by
    /// dense(inputs→rank, no activation, no bias) followed by dense(rank→outputs, original activation and bias),
    /// with W ≈ (U·√Σ)(√Σ·Vᵀ) from the `rank` largest singular values. Other layers are kept.
    public func lowRank(_ rank: Int) throws -> Model {
        guard rank >= 1 else { throw ModelsError(.model, "lowrank: rank must be at least 1, got \(rank)") }
        var layers: [any Layer] = []
        for layer in self.layers {
            guard let dense = layer as? DenseLayer, rank < min(dense.inputCount, dense.outputCount) else {
                layers.append(layer)
                continue
            }
            let (left, right) = truncatedFactors(dense.weights, rows: dense.outputCount, columns: dense.inputCount, rank: rank)
            layers.append(try DenseLayer(inputCount: dense.inputCount, outputCount: rank, weights: right, bias: nil))
            layers.append(try DenseLayer(inputCount: rank, outputCount: dense.outputCount, weights: left,
                                         bias: dense.bias, activation: dense.activation))
        }
        return try Model(name: "\(name).rank\(rank)", inputCount: inputCount, layers: layers, classNames: classNames)
    }
}

/// Singular value decomposition of a small matrix by one-sided Jacobi rotations (Hestenes), in Double.
///
/// Returns U (rows, k), singular values (k) in decreasing order, and V (columns, k), k = min(rows, columns),
/// with matrix ≈ U·diag(σ)·Vᵀ. // matrix (rows, columns) row-major; outputs row-major
func singularValueDecomposition(_ matrix: [Float], rows: Int, columns: Int) -> (u: [Double], sigma: [Double], v: [Double]) {
    // Work on A with at most as many columns as rows (transpose if wide), so there are n = min columns.
    let transposed = columns > rows
    let m = transposed ? columns : rows, n = transposed ? rows : columns
    var a = [Double](repeating: 0, count: m * n)  // (m, n) column-major: column j at j*m
    for row in 0..<rows {
        for column in 0..<columns {
            let value = Double(matrix[row * columns + column])
            if transposed { a[row * m + column] = value } else { a[column * m + row] = value }
        }
    }
    var v = [Double](repeating: 0, count: n * n)  // (n, n) column-major
    for index in 0..<n { v[index * n + index] = 1 }
    for _ in 0..<60 {
        var rotated = false
        for p in 0..<n {
            for q in (p + 1)..<max(n, p + 1) {
                var alpha = 0.0, beta = 0.0, gamma = 0.0
                for k in 0..<m {
                    let x = a[p * m + k], y = a[q * m + k]
                    alpha += x * x; beta += y * y; gamma += x * y
                }
                guard abs(gamma) > 1e-15 * (alpha * beta).squareRoot(), gamma != 0 else { continue }
                rotated = true
                let zeta = (beta - alpha) / (2 * gamma)
                let t = (zeta >= 0 ? 1.0 : -1.0) / (abs(zeta) + (1 + zeta * zeta).squareRoot())
                let c = 1 / (1 + t * t).squareRoot(), s = c * t
                for k in 0..<m {
                    let x = a[p * m + k], y = a[q * m + k]
                    a[p * m + k] = c * x - s * y
                    a[q * m + k] = s * x + c * y
                }
                for k in 0..<n {
                    let x = v[p * n + k], y = v[q * n + k]
                    v[p * n + k] = c * x - s * y
                    v[q * n + k] = s * x + c * y
                }
            }
        }
        if !rotated { break }
    }
    var sigma = (0..<n).map { j in (0..<m).reduce(0.0) { $0 + a[j * m + $1] * a[j * m + $1] }.squareRoot() }
    let order = (0..<n).sorted { (sigma[$0], -$0) > (sigma[$1], -$1) }
    var left = [Double](repeating: 0, count: m * n)   // (m, n) row-major, columns sorted
    var right = [Double](repeating: 0, count: n * n)  // (n, n) row-major
    for (target, source) in order.enumerated() {
        let value = sigma[source]
        for k in 0..<m { left[k * n + target] = value > 0 ? a[source * m + k] / value : 0 }
        for k in 0..<n { right[k * n + target] = v[source * n + k] }
    }
    sigma = order.map { sigma[$0] }
    // For a wide matrix we decomposed Aᵀ = U Σ Vᵀ, so A = V Σ Uᵀ: swap the factors.
    return transposed ? (right, sigma, left) : (left, sigma, right)
}

/// Rank-`rank` factors of W (rows, columns): left (rows, rank) and right (rank, columns), both row-major,
/// each carrying √σ so their scales are balanced.
func truncatedFactors(_ weights: [Float], rows: Int, columns: Int, rank: Int) -> (left: [Float], right: [Float]) {
    let (u, sigma, v) = singularValueDecomposition(weights, rows: rows, columns: columns)
    let k = sigma.count
    var left = [Float](repeating: 0, count: rows * rank)
    var right = [Float](repeating: 0, count: rank * columns)
    for component in 0..<min(rank, k) {
        let root = sigma[component].squareRoot()
        for row in 0..<rows { left[row * rank + component] = Float(u[row * k + component] * root) }
        for column in 0..<columns { right[component * columns + column] = Float(v[column * k + component] * root) }
    }
    return (left, right)
}
