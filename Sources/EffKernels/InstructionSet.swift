import Foundation

/// The instruction-set levels eff has kernels for, best last. One source of truth for names used by EFF_ISA.
public enum InstructionSet: String, CaseIterable, Sendable, Comparable {
    /// Portable Swift (SSE2 on x86-64, NEON on arm64 through the SIMD types): runs everywhere.
    case generic
    /// x86-64 AVX2 + FMA + F16C (Haswell and later, Zen 1 and later).
    case avx2
    /// x86-64 AVX-512 F/BW/VL/VNNI (Ice Lake and later, Zen 4 and later): the ggml block kernels with `vpdpbusd`
    /// and the f32 GEMV on 512-bit vectors (EffKernelsAVX512); every other kernel of this level is the AVX2 one.
    case avx512

    /// Whether this build contains kernels for the level.
    public var isBuilt: Bool {
        switch self {
        case .generic: return true
        case .avx2:
            #if arch(x86_64)
            return true
            #else
            return false
            #endif
        case .avx512:
            #if arch(x86_64)
            return true
            #else
            return false
            #endif
        }
    }

    /// Whether this CPU (and OS) can run the level's instructions.
    public var isSupportedByProcessor: Bool {
        switch self {
        case .generic: return true
        case .avx2: return CPUFeatures.detected.isSuperset(of: ["avx2", "fma", "f16c"])
        case .avx512: return CPUFeatures.detected.isSuperset(of: ["avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni"])
        }
    }

    /// Levels that are both built and supported here, best last.
    public static var available: [InstructionSet] { allCases.filter { $0.isBuilt && $0.isSupportedByProcessor } }

    /// The best available level.
    public static var best: InstructionSet { available.last ?? .generic }

    public static func < (lhs: InstructionSet, rhs: InstructionSet) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// CPU feature flags as the operating system reports them (so features the OS does not enable are absent).
enum CPUFeatures {
    /// Lower-case feature names, e.g. "avx2", "fma", "f16c", "avx512f", "avx512_vnni".
    static let detected: Set<String> = read()

    private static func read() -> Set<String> {
        #if arch(x86_64)
        #if os(Linux)
        // /proc/cpuinfo's "flags" line lists what the kernel enabled (it hides AVX when XSAVE state is off).
        // (/proc files report size 0, so read them as a stream rather than with String(contentsOfFile:).)
        guard let handle = FileHandle(forReadingAtPath: "/proc/cpuinfo"),
              let bytes = try? handle.readToEnd(),
              let text = String(data: bytes, encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map { String($0) })
        #elseif os(macOS)
        var features: Set<String> = []
        for (name, key) in [("avx2", "hw.optional.avx2_0"), ("fma", "hw.optional.fma"), ("f16c", "hw.optional.f16c"),
                            ("avx512f", "hw.optional.avx512f"), ("avx512bw", "hw.optional.avx512bw"),
                            ("avx512_vnni", "hw.optional.avx512vnni")] {
            var value: Int32 = 0
            var size = MemoryLayout<Int32>.size
            if sysctlbyname(key, &value, &size, nil, 0) == 0, value != 0 { features.insert(name) }
        }
        return features
        #else
        return []
        #endif
        #else
        return []
        #endif
    }
}

/// Which instruction-set level the kernels use: the best available one, or the one forced by
/// `EFF_ISA=generic|avx2|avx512` or `select(_:)`.
///
///     try KernelDispatch.select(.generic)   // every later kernel call takes the portable path
public enum KernelDispatch {
    /// The environment variable that forces a level.
    public static let environmentVariable = "EFF_ISA"

    private static let lock = NSLock()
    nonisolated(unsafe) private static var chosen: Result<InstructionSet, KernelError>?

    /// Forces a level; throws (and changes nothing) when this build or CPU lacks it.
    public static func select(_ level: InstructionSet) throws {
        try check(level)
        lock.lock(); defer { lock.unlock() }
        chosen = .success(level)
    }

    /// Goes back to the default: EFF_ISA when set, else the best available level.
    public static func reset() {
        lock.lock(); defer { lock.unlock() }
        chosen = nil
    }

    /// The level kernel calls use now; throws when EFF_ISA names an unknown or unsupported level.
    public static func current() throws -> InstructionSet {
        lock.lock(); defer { lock.unlock() }
        if chosen == nil { chosen = fromEnvironment() }
        return try chosen!.get()
    }

    static func check(_ level: InstructionSet) throws {
        guard level.isBuilt, level.isSupportedByProcessor else {
            throw KernelError.unsupportedInstructionSet(requested: level.rawValue,
                                                        available: InstructionSet.available.map(\.rawValue))
        }
    }

    private static func fromEnvironment() -> Result<InstructionSet, KernelError> {
        guard let name = ProcessInfo.processInfo.environment[environmentVariable], !name.isEmpty else {
            return .success(InstructionSet.best)
        }
        guard let level = InstructionSet(rawValue: name.lowercased()) else {
            return .failure(.invalidArgument("\(environmentVariable)=\(name) is not a known instruction set (known: \(InstructionSet.allCases.map(\.rawValue).joined(separator: ", ")))"))
        }
        do { try check(level) } catch let error as KernelError { return .failure(error) } catch { return .success(.generic) }
        return .success(level)
    }
}
