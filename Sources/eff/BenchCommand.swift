import ArgumentParser
import EffKernels
import Foundation

/// `eff bench`: the kernels (default) or a language model.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure eff's inference kernels (eff bench [kernels]), a language model (eff bench llm MODEL) or training (eff bench train).",
        subcommands: [BenchKernelsCommand.self, BenchLLMCommand.self, BenchTrainCommand.self],
        defaultSubcommand: BenchKernelsCommand.self)
}

/// `eff bench kernels`: measures the inference kernels (time, GB/s of weights, GOP/s, fraction of read bandwidth).
struct BenchKernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Measure eff's inference kernels: median time, GB/s of weights, GOP/s and the fraction of memory read bandwidth.",
        discussion: "Set EFF_ISA=generic|avx2|avx512 (or --isa) to force an instruction-set path.")

    @Option(help: "Comma-separated kernels: \(BenchmarkConfiguration.kernelNames.joined(separator: ", ")). gemv uses batch 1, gemm the batches above 1.")
    var kernels = "gemv"

    @Option(help: "Comma-separated weight formats: \(WeightFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var formats = "f32,int8,int4,ternary,binary"

    @Option(help: "Comma-separated square sizes (rows = cols), e.g. 1024,8192,16384.")
    var sizes = "1024,4096,8192"

    @Option(help: "Comma-separated batch sizes (1 for gemv; above 1 for gemm), e.g. 1,8,64.")
    var batches = "1,8"

    @Option(help: "Comma-separated thread counts.")
    var threads = "1"

    @Option(help: "Force an instruction set: \(InstructionSet.allCases.map(\.rawValue).joined(separator: ", ")).")
    var isa: String?

    @Option(help: "Least timed seconds per measurement.")
    var minimumSeconds = 0.5

    @Option(help: "Output: text or json (one JSON record per line).")
    var format = "text"

    func run() throws {
        do {
            try runBenchmarks()
        } catch let error as KernelError {
            throw ValidationError(error.description)
        }
    }

    private func runBenchmarks() throws {
        guard format == "text" || format == "json" else { throw ValidationError("--format must be text or json, not '\(format)'") }
        if let isa {
            guard let level = InstructionSet(rawValue: isa) else {
                throw ValidationError("--isa '\(isa)' is not one of \(InstructionSet.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            try KernelDispatch.select(level)
        }
        var configuration = BenchmarkConfiguration()
        configuration.kernels = list(kernels)
        configuration.formats = try list(formats).map { try WeightFormat.named($0) }
        configuration.sizes = try integers(sizes, "--sizes")
        configuration.batches = try integers(batches, "--batches")
        configuration.threads = try integers(threads, "--threads")
        configuration.minimumSeconds = minimumSeconds
        // The f32 source matrix (size² × 4 bytes) plus its quantized copy must fit comfortably in memory.
        let memory = Double(ProcessInfo.processInfo.physicalMemory)
        for size in configuration.sizes {
            let bytes = 2.0 * Double(size) * Double(size) * 4
            guard bytes < memory / 2 else {
                throw ValidationError("--sizes \(size) needs about \(Int(bytes / 1e9)) GB, more than half of this machine's \(Int(memory / 1e9)) GB")
            }
        }
        for batch in configuration.batches where batch > 4096 { throw ValidationError("--batches \(batch) is above the limit of 4096") }
        for count in configuration.threads where count > 1024 { throw ValidationError("--threads \(count) is above the limit of 1024") }
        let level = try KernelDispatch.current()
        if format == "text" {
            print("instruction set: \(level.rawValue) (available: \(InstructionSet.available.map(\.rawValue).joined(separator: ", ")))")
            for count in configuration.threads {
                print(String(format: "read bandwidth, %d thread(s): %.1f GB/s", count, try MemoryBandwidth.measureRead(threads: count) / 1e9))
            }
            print("kernel format        rows   cols batch thr   median ms  spread    GB/s    GOP/s  of-bw")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        _ = try KernelBenchmark.run(configuration) { record in
            if format == "json" {
                if let data = try? encoder.encode(record), let line = String(data: data, encoding: .utf8) { print(line) }
            } else {
                let names = record.kernel.padding(toLength: 7, withPad: " ", startingAt: 0)
                    + record.format.padding(toLength: 12, withPad: " ", startingAt: 0)
                print(names + String(format: " %6d %6d %5d %3d %11.4f %6.1f%% %7.2f %8.2f %5.2f",
                             record.rows, record.cols, record.batch, record.threads,
                             record.median_s * 1e3, record.spread * 100, record.gbps, record.gops, record.bandwidth_fraction))
            }
            fflush(stdout)
        }
    }

}

/// The items of a comma-separated option.
func list(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// The positive integers of a comma-separated option such as `--threads 1,2`.
func integers(_ text: String, _ flag: String) throws -> [Int] {
    let values = try list(text).map { item -> Int in
        guard let value = Int(item), value > 0 else { throw ValidationError("\(flag): '\(item)' is not a positive integer") }
        return value
    }
    guard !values.isEmpty else { throw ValidationError("\(flag) is empty") }
    return values
}
