// swift-tools-version:6.0
// eff — a small language for checking claims about the speed, energy and accuracy of neural models.
//
// The layout is the architecture (see docs/architecture.md):
//   EffNumerics     shared numerics with no dependencies: f16/bf16, median/percentiles, SI text, terminal width
//   EffUnits        quantities with units (energy, power, time, data, work): one table, SI display
//   EffLanguage     lexer → parser → resolver → interpreter, values, builtins registry, diagnostics
//   EffStdlib       the eff prelude (Stdlib/prelude/*.eff), shipped as resources
//   EffKernels      tensors, weight formats and SIMD inference kernels (knows nothing of models)
//   EffKernelsAVX2  the x86-64 AVX2/FMA row kernels, compiled with those target features only
//   EffKernelsAVX512 the x86-64 AVX-512 VNNI row kernels, compiled with those target features only
//   EffCharts       terminal charts (Braille, block, ASCII); no dependency on the interpreter
//   EffModels       data sets, layers (one file per kind), training, compression, safetensors/NumPy weight files
//   EffLLM          language models: GGUF files, BPE tokenizer, the Llama decoder with a KV cache, sampling
//   CIntrinsics     the C helpers the kernels need (a prefetch hint, VNNI dot products: macros Swift cannot import)
//   CZlib           the system zlib (inflate and CRC-32 for .npz archives)
//   EffEnergy       meters (RAPL, perf, NVML), the per-operation estimator, statistics, claims
//   EffLab          the domain builtins (tables, charts, models, energy) that join the language to the libraries
//   EffREPL         the interactive prompt (libedit, history, completion) and notebooks
//   eff             the thin command-line executable (swift-argument-parser)
import PackageDescription

#if arch(x86_64)
// Only the per-ISA target gets these flags; dispatch checks cpuid before calling into it.
let avx2Flags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mf16c", "-Xcc", "-mbmi2"])]
let avx512Flags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mf16c", "-Xcc", "-mbmi2",
                                                 "-Xcc", "-mavx512f", "-Xcc", "-mavx512bw", "-Xcc", "-mavx512vl",
                                                 "-Xcc", "-mavx512vnni"])]
#else
let avx2Flags: [SwiftSetting] = []
let avx512Flags: [SwiftSetting] = []
#endif

let package = Package(
    name: "eff",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "eff", targets: ["eff"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "EffNumerics"),
        .target(name: "EffUnits", dependencies: ["EffNumerics"]),
        .target(name: "EffStdlib", path: "Stdlib", resources: [.copy("prelude")]),
        .target(name: "EffLanguage", dependencies: ["EffUnits", "EffStdlib"]),
        .target(name: "CIntrinsics"),
        .target(name: "EffKernelsAVX2", dependencies: ["EffNumerics", "CIntrinsics"], swiftSettings: avx2Flags + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(name: "EffKernelsAVX512", dependencies: ["EffNumerics", "CIntrinsics"],
                swiftSettings: avx512Flags + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // -O in debug too: the decoder and training tests run these kernels billions of times.
        .target(name: "EffKernels", dependencies: ["EffNumerics", "EffKernelsAVX2", "EffKernelsAVX512"],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(name: "EffCharts", dependencies: ["EffNumerics"]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .target(name: "EffEnergy", dependencies: ["EffNumerics", "EffKernels"]),
        // -O in debug too: training and QAT loops are unusably slow unoptimised, even in tests.
        .target(name: "EffModels", dependencies: ["EffNumerics", "EffKernels", "CZlib"], resources: [.copy("Resources/datasets")],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // -O in debug too: a decoder step is ~100 M multiply-adds; unoptimised it would take seconds in tests.
        .target(name: "EffLLM", dependencies: ["EffNumerics", "EffKernels"],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(name: "EffLab",
                dependencies: ["EffNumerics", "EffLanguage", "EffUnits", "EffCharts", "EffKernels", "EffModels", "EffEnergy", "EffLLM"]),
        .target(name: "EffREPL", dependencies: ["EffNumerics", "EffLanguage"]),
        .executableTarget(
            name: "eff",
            dependencies: [
                "EffLanguage", "EffKernels", "EffCharts", "EffLab", "EffREPL", "EffLLM", "EffModels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "EffNumericsTests", dependencies: ["EffNumerics"]),
        .testTarget(name: "EffUnitsTests", dependencies: ["EffUnits"]),
        .testTarget(name: "EffLanguageTests", dependencies: ["EffLanguage"], exclude: ["cases"]),
        .testTarget(name: "EffCLITests", dependencies: ["eff"]),
        .testTarget(name: "EffKernelsTests", dependencies: ["EffNumerics", "EffKernels"]),
        .testTarget(name: "EffChartsTests", dependencies: ["EffCharts"], resources: [.copy("golden")]),
        .testTarget(name: "EffEnergyTests", dependencies: ["EffEnergy", "EffKernels"]),
        .testTarget(name: "EffModelsTests", dependencies: ["EffModels", "EffKernels"], exclude: ["Fixtures"]),
        .testTarget(name: "EffLLMTests", dependencies: ["EffLLM", "EffKernels", "EffNumerics"], resources: [.copy("Fixtures")]),
        .testTarget(name: "EffLabTests",
                    dependencies: ["EffNumerics", "EffLab", "EffLanguage", "EffUnits", "EffCharts", "EffModels", "EffKernels", "EffEnergy",
                                   "EffLLM"]),
        .testTarget(name: "EffREPLTests", dependencies: ["EffREPL", "EffLanguage", "eff"]),
    ],
    swiftLanguageModes: [.v5]
)
