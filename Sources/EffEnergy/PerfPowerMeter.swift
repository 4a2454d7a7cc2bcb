import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One event of the perf_event "power" PMU, as described by its sysfs files.
public struct PerfPowerEvent: Sendable, Equatable {
    /// Event name, e.g. "energy-pkg".
    public var name: String
    /// The `config` value from `event=0x..`.
    public var config: UInt64
    /// Joules per counter unit from the `.scale` file (typically 2⁻³², 2.3283064365386962890625e-10).
    public var scale: Double
    /// The `.unit` file, "Joules" for energy events.
    public var unit: String
}

/// CPU energy through the perf_event "power" PMU (energy-pkg, energy-cores, energy-ram, energy-psys).
///
/// The PMU's sysfs directory (default `/sys/bus/event_source/devices/power`, or `EFF_PERF_POWER_ROOT`)
/// gives the PMU `type`, the `cpumask` (one CPU per socket) and `events/<name>` with `event=0x..`,
/// `<name>.scale` and `<name>.unit`. Counters are opened system-wide with perf_event_open(2), one per
/// socket; values are 64-bit counts × scale = joules (no wraparound in practice).
/// Needs `kernel.perf_event_paranoid` ≤ 0, CAP_PERFMON (Linux 5.8+) or root.
public final class PerfPowerMeter: EnergyMeter, @unchecked Sendable {
    public static let meterName = "perf-power"
    public static let rootVariable = "EFF_PERF_POWER_ROOT"
    public static let defaultRoot = "/sys/bus/event_source/devices/power"

    public let name = PerfPowerMeter.meterName
    public let events: [PerfPowerEvent]
    public let domains: [String]
    public let totalDomains: [String]
    public let minimumWindowSeconds = 0.01
    public let notes: [String]

    private let descriptors: [(domain: String, scale: Double, descriptor: Int32)]
    private let lock = NSLock()

    /// Discovers the power PMU's events and opens one counter per event and socket.
    public init(root: String? = nil, files: any FileAccess = SystemFileAccess(),
                paranoidPath: String = "/proc/sys/kernel/perf_event_paranoid") throws {
        let root = root ?? environmentValue(Self.rootVariable) ?? Self.defaultRoot
        let (type, cpus, events) = try Self.discover(root: root, files: files)
        let paranoid = files.readTrimmed(paranoidPath) ?? "unknown"
        var opened: [(String, Double, Int32)] = []
        for event in events {
            for cpu in cpus {
                let result = PerfEventSystemCall.open(type: type, config: event.config, cpu: cpu)
                guard result >= 0 else {
                    opened.forEach { _ = close($0.2) }
                    throw Self.openError(errorNumber: Int32(-result), event: event.name, paranoid: paranoid)
                }
                opened.append((event.name, event.scale, Int32(result)))
            }
        }
        descriptors = opened
        self.events = events
        domains = events.map(\.name)
        let package = domains.filter { $0 == "energy-pkg" || $0 == "energy-ram" }
        totalDomains = package.isEmpty ? domains.filter { $0 == "energy-psys" } : package
        var notes: [String] = []
        if !domains.contains("energy-ram") { notes.append("no energy-ram event: DRAM energy is not measured") }
        if totalDomains.isEmpty {
            descriptors.forEach { _ = close($0.descriptor) }
            throw MeterError.unavailable(meter: Self.meterName, reason: "no energy-pkg, energy-ram or energy-psys event")
        }
        self.notes = notes
    }

    deinit { descriptors.forEach { _ = close($0.descriptor) } }

    public func read() throws -> EnergyReading {
        lock.lock()
        defer { lock.unlock() }
        var joules: [String: Double] = [:]
        for entry in descriptors {
            var count: UInt64 = 0
            let bytes = withUnsafeMutableBytes(of: &count) { readDescriptor(entry.descriptor, $0.baseAddress, 8) }
            guard bytes == 8 else {
                throw MeterError.readFailed(meter: name, path: "perf counter \(entry.domain)",
                                            detail: bytes < 0 ? String(cString: strerror(errno)) : "short read of \(bytes) bytes")
            }
            joules[entry.domain, default: 0] += Double(count) * entry.scale
        }
        return EnergyReading(seconds: monotonicSeconds(), joules: joules)
    }

    /// Reads the PMU type, the CPUs to open on (one per socket) and the energy events with scale and unit.
    public static func discover(root: String, files: any FileAccess) throws -> (type: UInt32, cpus: [Int32], events: [PerfPowerEvent]) {
        let typePath = root + "/type"
        guard files.exists(root), let typeText = files.readTrimmed(typePath) else {
            throw MeterError.unavailable(meter: meterName, reason: "no power PMU at \(root) (kernel without RAPL perf events, or a VM)")
        }
        guard let type = UInt32(typeText) else {
            throw MeterError.malformed(meter: meterName, path: typePath, detail: "expected an integer PMU type, got \"\(typeText.prefix(40))\"")
        }
        let cpus = try parseCPUList(files.readTrimmed(root + "/cpumask") ?? "0", path: root + "/cpumask")
        let eventsDirectory = root + "/events"
        let names: [String]
        do { names = try files.listDirectory(eventsDirectory) } catch {
            throw MeterError.unavailable(meter: meterName, reason: "no events directory \(eventsDirectory)")
        }
        var events: [PerfPowerEvent] = []
        for name in names.sorted() where name.hasPrefix("energy-") && !name.contains(".") {
            let path = eventsDirectory + "/" + name
            let description = files.readTrimmed(path) ?? ""
            guard let config = parseEventConfig(description) else {
                throw MeterError.malformed(meter: meterName, path: path, detail: "expected event=0x.., got \"\(description.prefix(60))\"")
            }
            let scalePath = path + ".scale"
            guard let scaleText = files.readTrimmed(scalePath), let scale = Double(scaleText), scale > 0, scale.isFinite else {
                throw MeterError.malformed(meter: meterName, path: scalePath, detail: "missing or not a positive number")
            }
            let unit = files.readTrimmed(path + ".unit") ?? ""
            guard unit == "Joules" else {
                throw MeterError.malformed(meter: meterName, path: path + ".unit", detail: "expected Joules, got \"\(unit.prefix(40))\"")
            }
            events.append(PerfPowerEvent(name: name, config: config, scale: scale, unit: unit))
        }
        guard !events.isEmpty else {
            throw MeterError.unavailable(meter: meterName, reason: "the power PMU at \(root) lists no energy-* events")
        }
        return (type, cpus, events)
    }

    /// Parses "event=0x02" (possibly with other comma-separated terms) into the config value.
    static func parseEventConfig(_ text: String) -> UInt64? {
        for term in text.split(separator: ",") {
            let pair = term.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0] == "event" else { continue }
            let value = pair[1]
            return value.hasPrefix("0x") ? UInt64(value.dropFirst(2), radix: 16) : UInt64(value)
        }
        return nil
    }

    /// Parses a sysfs CPU list such as "0", "0,24" or "0-1,4".
    static func parseCPUList(_ text: String, path: String) throws -> [Int32] {
        var cpus: [Int32] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
            if bounds.count == 1 {
                cpus.append(bounds[0])
            } else if bounds.count == 2, bounds[0] <= bounds[1], bounds[1] - bounds[0] < 4096 {
                cpus.append(contentsOf: bounds[0]...bounds[1])
            } else {
                throw MeterError.malformed(meter: meterName, path: path, detail: "bad CPU list \"\(text.prefix(60))\"")
            }
        }
        guard !cpus.isEmpty else { throw MeterError.malformed(meter: meterName, path: path, detail: "empty CPU list") }
        return cpus
    }

    static func openError(errorNumber: Int32, event: String, paranoid: String) -> MeterError {
        if errorNumber == EACCES || errorNumber == EPERM {
            return .permissionDenied(
                meter: meterName, path: "perf_event_open(\(event))",
                fix: "System-wide power events need kernel.perf_event_paranoid <= 0 (it is \(paranoid)) or CAP_PERFMON: "
                    + "`sudo sysctl kernel.perf_event_paranoid=0`, or `sudo setcap cap_perfmon+ep $(which eff)`, or run as root.")
        }
        return .unavailable(meter: meterName,
                            reason: "perf_event_open(\(event)) failed: \(String(cString: strerror(errorNumber))) (errno \(errorNumber))")
    }
}

/// POSIX read(2); named apart because the meter's own `read()` shadows it.
private func readDescriptor(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.read(descriptor, buffer, count)
    #else
    return Darwin.read(descriptor, buffer, count)
    #endif
}

/// perf_event_open(2), which has no libc wrapper.
///
/// Swift cannot call the variadic libc `syscall`, and EffEnergy has no C target, so the symbol
/// is looked up with dlsym and called through a fixed six-integer-argument signature. On the
/// Linux ABIs Swift supports (x86-64 SysV, AArch64 AAPCS64) integer arguments of a variadic call
/// are passed in the same registers as a non-variadic one, so this is the same call.
enum PerfEventSystemCall {
    private typealias SystemCall = @convention(c) (Int, UnsafeMutableRawPointer?, Int, Int, Int, Int) -> Int

    #if arch(x86_64)
    static let number = 298
    #elseif arch(arm64)
    static let number = 241
    #else
    static let number = -1
    #endif

    /// Returns a file descriptor, or −errno.
    static func open(type: UInt32, config: UInt64, cpu: Int32) -> Int {
        guard number >= 0 else { return -Int(ENOSYS) }
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "syscall") else { return -Int(ENOSYS) }
        let call = unsafeBitCast(symbol, to: SystemCall.self)
        // struct perf_event_attr, PERF_ATTR_SIZE_VER0 (64 bytes): type u32 @0, size u32 @4, config u64 @8;
        // everything else zero (counting, enabled, no sampling).
        var attribute = [UInt8](repeating: 0, count: 64)
        withUnsafeBytes(of: type.littleEndian) { attribute.replaceSubrange(0..<4, with: $0) }
        withUnsafeBytes(of: UInt32(64).littleEndian) { attribute.replaceSubrange(4..<8, with: $0) }
        withUnsafeBytes(of: config.littleEndian) { attribute.replaceSubrange(8..<16, with: $0) }
        let result = attribute.withUnsafeMutableBytes { buffer in
            // pid = -1 (all processes), cpu, group_fd = -1, flags = PERF_FLAG_FD_CLOEXEC (8).
            call(number, buffer.baseAddress, -1, Int(cpu), -1, 8)
        }
        return result < 0 ? -Int(errno) : result
    }
}
