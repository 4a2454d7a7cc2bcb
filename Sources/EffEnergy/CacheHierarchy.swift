import Foundation

/// The machine's data-cache capacities, used to decide where a working set lives.
///
/// Read from `/sys/devices/system/cpu/cpu0/cache/index*/{level,type,size}` (or the directory in
/// `EFF_CPU_CACHE_ROOT`); instruction caches are ignored. When nothing can be read the defaults
/// (L1 32 KiB, L2 1 MiB, L3 8 MiB, typical of current x86 and Arm server cores) are used and
/// `source` says so.
public struct CacheHierarchy: Sendable, Equatable, CustomStringConvertible {
    public static let rootVariable = "EFF_CPU_CACHE_ROOT"
    public static let defaultRoot = "/sys/devices/system/cpu/cpu0/cache"
    public static let defaults = CacheHierarchy(capacities: [.l1: 32 << 10, .l2: 1 << 20, .l3: 8 << 20],
                                                source: "defaults (cache sizes unreadable)")

    /// Capacity per cache level, bytes. Levels the machine lacks are absent.
    public var capacities: [MemoryLevel: UInt64]
    /// Where the sizes came from: a path, or "defaults ...".
    public var source: String

    public init(capacities: [MemoryLevel: UInt64], source: String) {
        self.capacities = capacities.filter { $0.key != .dram && $0.value > 0 }
        self.source = source
    }

    /// Reads the cache sizes of cpu0, falling back to `defaults` when none can be read.
    public static func detect(root: String? = nil, files: any FileAccess = SystemFileAccess()) -> CacheHierarchy {
        let root = root ?? environmentValue(rootVariable) ?? defaultRoot
        guard let entries = try? files.listDirectory(root) else { return defaults }
        var capacities: [MemoryLevel: UInt64] = [:]
        for entry in entries where entry.hasPrefix("index") {
            let directory = root + "/" + entry
            guard let levelText = files.readTrimmed(directory + "/level"), let levelNumber = Int(levelText),
                  let type = files.readTrimmed(directory + "/type"), type != "Instruction",
                  let sizeText = files.readTrimmed(directory + "/size"), let size = parseSize(sizeText) else { continue }
            let level: MemoryLevel
            switch levelNumber {
            case 1: level = .l1
            case 2: level = .l2
            case 3: level = .l3
            default: continue  // L4/eDRAM: treated as part of DRAM here
            }
            capacities[level] = max(capacities[level] ?? 0, size)
        }
        guard !capacities.isEmpty else { return defaults }
        return CacheHierarchy(capacities: capacities, source: root)
    }

    /// Parses sysfs sizes such as "32K", "512K", "32768K", "1M", "64" (bytes).
    static func parseSize(_ text: String) -> UInt64? {
        let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        guard let last = text.last else { return nil }
        if let multiplier = units[Character(last.uppercased())] {
            guard let number = UInt64(text.dropLast()) else { return nil }
            let (product, overflow) = number.multipliedReportingOverflow(by: multiplier)
            return overflow ? nil : product
        }
        return UInt64(text)
    }

    /// The smallest cache level that holds `bytes`, or DRAM when none does.
    public func level(forWorkingSet bytes: UInt64) -> MemoryLevel {
        for level in [MemoryLevel.l1, .l2, .l3] {
            if let capacity = capacities[level], bytes <= capacity { return level }
        }
        return .dram
    }

    public var description: String {
        let sizes = [MemoryLevel.l1, .l2, .l3].compactMap { level in
            capacities[level].map { "\(level.rawValue) \($0 >> 10) KiB" }
        }
        return sizes.joined(separator: ", ") + " (\(source))"
    }
}
