import Foundation

/// CPU energy from Linux powercap RAPL zones (Intel, and AMD since Linux 5.11).
///
/// Discovery reads each zone's `name` file (the index in `intel-rapl:N:M` does not fix the
/// meaning): package-N, core, uncore, dram, psys, and package-N-die-D on AMD multi-die parts.
/// Domains are labelled `package-0`, `package-0/core`, `package-0/dram`, `psys`.
///
/// Counters (`energy_uj`, microjoules) wrap at `max_energy_range_uj`; every `read()` adds the
/// forward distance since the previous read, adding the range when the value went down. That
/// is only right if the counter cannot wrap twice between reads, so on long windows call
/// `startPolling(interval:)` (a background thread reading every `interval` seconds; Zeus uses
/// 1 s) or call `read()` yourself at least that often.
///
/// Mirrored zones are dropped, not summed (CodeCarbon issues #1274, #950): an
/// `intel-rapl-mmio:N` zone with the same name as an `intel-rapl:N` zone, a second zone with
/// an already-seen name, and per-die zones whose counter and range equal another zone's at
/// open time (one counter exposed twice). The total is packages + dram; psys (the whole
/// platform, which contains the packages) is reported but summed only when no package exists.
///
/// The root is `/sys/class/powercap`, or `EFF_POWERCAP_ROOT` when set (tests use generated trees).
public final class RAPLMeter: EnergyMeter, @unchecked Sendable {
    public static let meterName = "rapl"
    /// The environment variable that overrides the powercap root.
    public static let rootVariable = "EFF_POWERCAP_ROOT"
    public static let defaultRoot = "/sys/class/powercap"

    /// One counter: its directory, label, and wrap state.
    struct Zone {
        var directory: String   // e.g. /sys/class/powercap/intel-rapl:0
        var label: String       // e.g. "package-0/dram"
        var rangeMicrojoules: UInt64
        var lastRaw: UInt64     // µJ, as read
        var accumulated: Double // µJ since open, wrap-corrected
    }

    public let name = RAPLMeter.meterName
    public let root: String
    public let domains: [String]
    public let totalDomains: [String]
    /// RAPL counters update about every 1 ms.
    public let minimumWindowSeconds = 0.01
    public let notes: [String]

    private let files: any FileAccess
    private let lock = NSLock()
    private var zones: [Zone]
    private var pollingThread: Thread?
    private var pollingStop: DispatchSemaphore?
    private var pollingError: Error?

    /// Opens all RAPL zones under `root` (default: EFF_POWERCAP_ROOT or /sys/class/powercap).
    /// Throws `MeterError` when there are none or they cannot be read (with the fix for EACCES).
    public init(root: String? = nil, files: any FileAccess = SystemFileAccess()) throws {
        let root = root ?? environmentValue(Self.rootVariable) ?? Self.defaultRoot
        self.root = root
        self.files = files
        let entries: [String]
        do {
            entries = try files.listDirectory(root)
        } catch {
            throw MeterError.unavailable(meter: Self.meterName,
                                         reason: "no powercap directory \(root) (no RAPL driver, not Linux, or a VM without RAPL)")
        }
        // Zone directories look like intel-rapl:0, intel-rapl:0:1, intel-rapl-mmio:0 (AMD uses the same driver names).
        let zoneNames = entries.filter { $0.hasPrefix("intel-rapl") && $0.contains(":") }.sorted(by: Self.zoneOrder)
        guard !zoneNames.isEmpty else {
            throw MeterError.unavailable(meter: Self.meterName, reason: "\(root) has no intel-rapl zones (no RAPL on this machine or a VM)")
        }
        var opened: [Zone] = []
        var skipped: [String] = []
        var labelByZone: [String: String] = [:]
        for zoneName in zoneNames {
            let directory = root + "/" + zoneName
            let namePath = directory + "/name"
            guard let zoneLabel = files.readTrimmed(namePath), !zoneLabel.isEmpty else {
                throw MeterError.malformed(meter: Self.meterName, path: namePath, detail: "missing or empty zone name")
            }
            let parts = zoneName.split(separator: ":")
            let isMMIO = zoneName.hasPrefix("intel-rapl-mmio")
            var label = zoneLabel
            if parts.count == 3 {  // a subzone: label it under its parent's name
                let parentZone = parts[0] + ":" + parts[1]
                label = (labelByZone[String(parentZone)] ?? String(parentZone)) + "/" + zoneLabel
            }
            labelByZone[zoneName] = label
            let range = try Self.readMicrojoules(directory + "/max_energy_range_uj", files: files)
            let raw = try Self.readMicrojoules(directory + "/energy_uj", files: files)
            if let existing = opened.first(where: { $0.label == label }) {
                let why = isMMIO ? "mirrors the MSR zone of the same name" : "duplicates the name of \(existing.directory)"
                skipped.append("\(zoneName) (\(label)) skipped: \(why)")
                continue
            }
            if label.contains("-die-"),
               let twin = opened.first(where: { $0.lastRaw == raw && $0.rangeMicrojoules == range && raw != 0 }) {
                skipped.append("\(zoneName) (\(label)) skipped: same counter as \(twin.label)")
                continue
            }
            opened.append(Zone(directory: directory, label: label, rangeMicrojoules: range, lastRaw: raw, accumulated: 0))
        }
        zones = opened
        domains = opened.map(\.label)
        let packages = domains.filter { !$0.contains("/") && $0.hasPrefix("package") }
        let dram = domains.filter { $0 == "dram" || $0.hasSuffix("/dram") }
        var notes = skipped
        if packages.isEmpty {
            totalDomains = domains.filter { $0 == "psys" } + dram
        } else {
            totalDomains = packages + dram
        }
        if dram.isEmpty { notes.append("no dram zone: DRAM energy is not measured") }
        if totalDomains.isEmpty {
            throw MeterError.unavailable(meter: Self.meterName, reason: "no package, dram or psys zone among \(domains.joined(separator: ", "))")
        }
        self.notes = notes
    }

    deinit { stopPolling() }

    public func read() throws -> EnergyReading {
        lock.lock()
        defer { lock.unlock() }
        if let error = pollingError { throw error }
        for index in zones.indices {
            let raw = try Self.readMicrojoules(zones[index].directory + "/energy_uj", files: files)
            zones[index].accumulated += Double(Self.forwardDistance(from: zones[index].lastRaw, to: raw,
                                                                    range: zones[index].rangeMicrojoules))
            zones[index].lastRaw = raw
        }
        var joules: [String: Double] = [:]
        for zone in zones { joules[zone.label] = zone.accumulated * 1e-6 }
        return EnergyReading(seconds: monotonicSeconds(), joules: joules)
    }

    /// Microjoules the counter advanced from `previous` to `current`, assuming at most one wrap.
    static func forwardDistance(from previous: UInt64, to current: UInt64, range: UInt64) -> UInt64 {
        if current >= previous { return current - previous }
        // Wrapped: the counter went from `previous` up to `range` and restarted at 0.
        return range >= previous ? (range - previous) + current : current
    }

    /// Starts a background thread that reads every `interval` seconds so no counter can wrap
    /// twice between reads during long windows. Errors surface on the next `read()`.
    public func startPolling(interval: Double = 1.0) {
        lock.lock()
        defer { lock.unlock() }
        guard pollingThread == nil else { return }
        let stop = DispatchSemaphore(value: 0)
        let clamped = min(max(interval, 0.001), 60)
        let thread = Thread { [weak self] in
            while stop.wait(timeout: .now() + clamped) == .timedOut {
                guard let self else { return }
                do { _ = try self.read() } catch {
                    self.lock.lock(); self.pollingError = error; self.lock.unlock()
                    return
                }
            }
        }
        thread.name = "eff-rapl-poller"
        pollingStop = stop
        pollingThread = thread
        thread.start()
    }

    /// Stops the background poller (if any).
    public func stopPolling() {
        lock.lock()
        let stop = pollingStop
        pollingStop = nil
        pollingThread = nil
        lock.unlock()
        stop?.signal()
    }

    /// Whether a background poller is running.
    public var isPolling: Bool {
        lock.lock(); defer { lock.unlock() }
        return pollingThread != nil
    }

    /// How to allow reading energy_uj after CVE-2020-8694 made it root-only.
    static func permissionFix(_ path: String) -> String {
        "Since CVE-2020-8694 (PLATYPUS, Nov 2020) energy_uj is readable by root only. Run eff as root, or allow reading it: "
            + "`sudo chmod o+r /sys/class/powercap/intel-rapl:*/energy_uj /sys/class/powercap/intel-rapl:*:*/energy_uj` "
            + "(until reboot) or a udev rule: "
            + "SUBSYSTEM==\"powercap\", ACTION==\"add\", RUN+=\"/bin/chmod o+r /sys%p/energy_uj\". "
            + "Energy is not reported as 0 J; it is not measured."
    }

    static func readMicrojoules(_ path: String, files: any FileAccess) throws -> UInt64 {
        let text: String
        do {
            text = try files.readText(path)
        } catch let error as FileAccessError {
            if error.isPermissionDenied {
                throw MeterError.permissionDenied(meter: meterName, path: path, fix: permissionFix(path))
            }
            throw MeterError.readFailed(meter: meterName, path: path, detail: "\(error)")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let value = UInt64(trimmed) else {
            throw MeterError.malformed(meter: meterName, path: path, detail: "expected an integer of microjoules, got \"\(trimmed.prefix(40))\"")
        }
        return value
    }

    /// Orders zones so parents come before subzones and intel-rapl before intel-rapl-mmio.
    static func zoneOrder(_ lhs: String, _ rhs: String) -> Bool {
        func key(_ name: String) -> (Int, [Int]) {
            let parts = name.split(separator: ":")
            let numbers = parts.dropFirst().map { Int($0) ?? Int.max }
            return (name.hasPrefix("intel-rapl-mmio") ? 1 : 0, numbers)
        }
        let (left, right) = (key(lhs), key(rhs))
        if left.0 != right.0 { return left.0 < right.0 }
        return left.1.lexicographicallyPrecedes(right.1)
    }
}
