import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// NVIDIA GPU energy through NVML, loaded at run time with dlopen.
///
/// Uses `nvmlDeviceGetTotalEnergyConsumption` (millijoules since the driver loaded; Volta and
/// newer). The counter updates every 20–100 ms, so windows shorter than `minimumWindowSeconds`
/// read 0: `measure` repeats the work until the counter moves. The library is
/// `libnvidia-ml.so.1`, or the path in `EFF_NVML_LIBRARY`.
public final class NVMLMeter: EnergyMeter, @unchecked Sendable {
    public static let meterName = "nvml"
    public static let libraryVariable = "EFF_NVML_LIBRARY"
    public static let defaultLibrary = "libnvidia-ml.so.1"

    private typealias InitFunction = @convention(c) () -> Int32
    private typealias CountFunction = @convention(c) (UnsafeMutablePointer<UInt32>) -> Int32
    private typealias HandleFunction = @convention(c) (UInt32, UnsafeMutablePointer<OpaquePointer?>) -> Int32
    private typealias EnergyFunction = @convention(c) (OpaquePointer?, UnsafeMutablePointer<UInt64>) -> Int32
    private typealias NameFunction = @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>, UInt32) -> Int32
    private typealias ErrorStringFunction = @convention(c) (Int32) -> UnsafePointer<CChar>?

    public let name = NVMLMeter.meterName
    public let domains: [String]
    public let totalDomains: [String]
    /// NVML's energy counter updates every 20–100 ms.
    public let minimumWindowSeconds = 0.1
    public let notes: [String]

    private let library: UnsafeMutableRawPointer
    private let devices: [OpaquePointer?]
    private let getEnergy: EnergyFunction
    private let errorString: ErrorStringFunction?
    private let shutdown: InitFunction?
    private let lock = NSLock()

    /// Loads NVML and opens every GPU. Throws `MeterError.unavailable` with the reason otherwise.
    public init(libraryPath: String? = nil) throws {
        let path = libraryPath ?? environmentValue(Self.libraryVariable) ?? Self.defaultLibrary
        guard let library = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let detail = dlerror().map { String(cString: $0) } ?? "not found"
            throw MeterError.unavailable(meter: Self.meterName,
                                         reason: "cannot load \(path) (no NVIDIA driver on this machine): \(detail)")
        }
        func symbol<T>(_ name: String, as type: T.Type) -> T? {
            dlsym(library, name).map { unsafeBitCast($0, to: type) }
        }
        guard let initialize = symbol("nvmlInit_v2", as: InitFunction.self),
              let count = symbol("nvmlDeviceGetCount_v2", as: CountFunction.self),
              let handle = symbol("nvmlDeviceGetHandleByIndex_v2", as: HandleFunction.self),
              let energy = symbol("nvmlDeviceGetTotalEnergyConsumption", as: EnergyFunction.self) else {
            dlclose(library)
            throw MeterError.unavailable(meter: Self.meterName, reason: "\(path) lacks the NVML energy functions (driver too old)")
        }
        let errorString = symbol("nvmlErrorString", as: ErrorStringFunction.self)
        func text(_ code: Int32) -> String {
            errorString?(code).map { String(cString: $0) } ?? "NVML error \(code)"
        }
        let status = initialize()
        guard status == 0 else {
            dlclose(library)
            throw MeterError.unavailable(meter: Self.meterName, reason: "nvmlInit failed: \(text(status))")
        }
        let shutdown = symbol("nvmlShutdown", as: InitFunction.self)
        var deviceCount: UInt32 = 0
        _ = count(&deviceCount)
        var devices: [OpaquePointer?] = []
        var labels: [String] = []
        var skipped: [String] = []
        let getName = symbol("nvmlDeviceGetName", as: NameFunction.self)
        for index in 0..<min(deviceCount, 64) {
            var device: OpaquePointer?
            guard handle(index, &device) == 0 else { continue }
            var millijoules: UInt64 = 0
            let probe = energy(device, &millijoules)
            guard probe == 0 else {
                skipped.append("gpu\(index): no energy counter (\(text(probe)); needs Volta or newer)")
                continue
            }
            var nameBuffer = [CChar](repeating: 0, count: 96)
            let model = getName.flatMap { $0(device, &nameBuffer, 96) == 0 ? String(cString: nameBuffer) : nil }
            devices.append(device)
            labels.append("gpu\(index)" + (model.map { " (\($0))" } ?? ""))
        }
        guard !devices.isEmpty else {
            _ = shutdown?()
            dlclose(library)
            throw MeterError.unavailable(meter: Self.meterName,
                                         reason: deviceCount == 0 ? "NVML found no GPU" : skipped.joined(separator: "; "))
        }
        self.library = library
        self.devices = devices
        self.getEnergy = energy
        self.errorString = errorString
        self.shutdown = shutdown
        domains = labels
        totalDomains = labels
        notes = skipped + ["GPU board energy only; CPU and DRAM energy need another meter"]
    }

    deinit {
        _ = shutdown?()
        dlclose(library)
    }

    public func read() throws -> EnergyReading {
        lock.lock()
        defer { lock.unlock() }
        var joules: [String: Double] = [:]
        for (device, label) in zip(devices, domains) {
            var millijoules: UInt64 = 0
            let status = getEnergy(device, &millijoules)
            guard status == 0 else {
                let detail = errorString?(status).map { String(cString: $0) } ?? "NVML error \(status)"
                throw MeterError.readFailed(meter: name, path: "nvmlDeviceGetTotalEnergyConsumption(\(label))", detail: detail)
            }
            joules[label] = Double(millijoules) * 1e-3
        }
        return EnergyReading(seconds: monotonicSeconds(), joules: joules)
    }
}
