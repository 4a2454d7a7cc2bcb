import EffNumerics
/// One benchmark measurement (one JSON record of `eff bench --format json`).
public struct BenchmarkRecord: Sendable, Codable, Equatable {
    /// "gemv" (batch 1) or "gemm" (batch > 1).
    public var kernel: String
    /// The weight format's name (`WeightFormat.rawValue`).
    public var format: String
    public var rows: Int
    public var cols: Int
    public var batch: Int
    public var threads: Int
    /// The instruction-set level used.
    public var isa: String
    /// Median time of one call, seconds.
    public var median_s: Double
    /// (max − min) / median over the timed repeats.
    public var spread: Double
    /// Weight bytes per second, in GB/s (10⁹ bytes).
    public var gbps: Double
    /// 2·rows·cols·batch operations per second, in G/s (a multiply-add counts as two).
    public var gops: Double
    /// gbps ÷ the read bandwidth measured by `MemoryBandwidth` on the same thread count.
    public var bandwidth_fraction: Double
    /// Weight bytes, so readers can tell in-cache sizes (≤ 32 MiB L3 here) from out-of-cache ones.
    public var weight_bytes: Int
}

/// What to measure: every combination of kernel, format, size, batch and thread count.
public struct BenchmarkConfiguration: Sendable {
    public var kernels: [String] = ["gemv"]
    public var formats: [WeightFormat] = [.f32, .int8PerRow, .int4Block32, .ternary, .binary]
    /// Square sizes (rows = cols).
    public var sizes: [Int] = [1024, 4096, 8192]
    public var batches: [Int] = [1]
    public var threads: [Int] = [1]
    /// Least total timed seconds per measurement (repeats continue until reached or 50 repeats).
    public var minimumSeconds: Double = 0.5
    public init() {}

    /// The kernel names `run` understands.
    public static let kernelNames = ["gemv", "gemm"]
}

/// Runs the kernel benchmarks: warm-up, then repeats until stable, reporting median and spread.
public enum KernelBenchmark {
    /// Measures every combination in `configuration`; `progress` receives each record as it is made.
    public static func run(_ configuration: BenchmarkConfiguration,
                           progress: (BenchmarkRecord) -> Void = { _ in }) throws -> [BenchmarkRecord] {
        for kernel in configuration.kernels where !BenchmarkConfiguration.kernelNames.contains(kernel) {
            throw KernelError.invalidArgument("unknown kernel '\(kernel)' (known: \(BenchmarkConfiguration.kernelNames.joined(separator: ", ")))")
        }
        let level = try KernelDispatch.current()
        let savedThreads = KernelThreads.count
        defer { KernelThreads.count = savedThreads }
        var bandwidth: [Int: Double] = [:]
        for threads in configuration.threads { bandwidth[threads] = try MemoryBandwidth.measureRead(threads: threads) }
        var records: [BenchmarkRecord] = []
        for size in configuration.sizes {
            let dense = try randomMatrix(rows: size, columns: size, zeroFraction: 0)
            for format in configuration.formats {
                let source = format == .sparseCSR ? try randomMatrix(rows: size, columns: size, zeroFraction: 0.9) : dense
                let weights = try QuantizedMatrix(quantizing: source, format: format)
                for kernel in configuration.kernels {
                    let batches = configuration.batches.filter { kernel == "gemv" ? $0 == 1 : $0 > 1 }
                    for batch in batches {
                        let x = try randomMatrix(rows: batch, columns: size, zeroFraction: 0)
                        var y = [Float](repeating: 0, count: batch * size)
                        for threads in configuration.threads {
                            KernelThreads.count = threads
                            let times = try x.withUnsafeBufferPointer { xs in
                                try y.withUnsafeMutableBufferPointer { ys in
                                    try timeRepeatedly(minimumSeconds: configuration.minimumSeconds) {
                                        try Kernels.matrixMatrix(weights, xs, batch: batch, into: ys)
                                    }
                                }
                            }
                            let median = Quantiles.median(times)
                            let gbps = Double(weights.byteCount) / median / 1e9
                            let record = BenchmarkRecord(
                                kernel: kernel, format: format.rawValue, rows: size, cols: size, batch: batch, threads: threads,
                                isa: level.rawValue, median_s: median, spread: Quantiles.spread(times), gbps: gbps,
                                gops: 2 * Double(size) * Double(size) * Double(batch) / median / 1e9,
                                bandwidth_fraction: gbps * 1e9 / (bandwidth[threads] ?? .nan), weight_bytes: weights.byteCount)
                            records.append(record)
                            progress(record)
                        }
                    }
                }
            }
        }
        return records
    }

    /// The read bandwidth (bytes/s) measured for each thread count, for reports.
    public static func readBandwidth(threads: Int) throws -> Double { try MemoryBandwidth.measureRead(threads: threads) }

    /// Two warm-up calls, then at least 5 timed calls and until `minimumSeconds` have passed (at most 50).
    static func timeRepeatedly(minimumSeconds: Double, _ body: () throws -> Void) throws -> [Double] {
        try body()
        try body()
        var times: [Double] = []
        var total = 0.0
        while times.count < 5 || (total < minimumSeconds && times.count < 50) {
            let start = ContinuousClock.now
            try body()
            let seconds = (ContinuousClock.now - start).seconds
            times.append(seconds)
            total += seconds
        }
        return times
    }

    /// A seeded pseudo-random (rows, columns) matrix, values roughly uniform in [−1, 1), a fraction set to zero.
    static func randomMatrix(rows: Int, columns: Int, zeroFraction: Double, seed: UInt64 = 42) throws -> Tensor {
        var tensor = try Tensor(shape: [rows, columns])
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        tensor.withUnsafeMutableBufferPointer { values in
            for i in values.indices {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let unit = Double(state >> 11) / Double(1 << 53)
                values[i] = unit < zeroFraction ? 0 : Float(unit * 2 - 1)
            }
        }
        return tensor
    }
}
