import Foundation
import XCTest
@testable import EffEnergy

/// perf_event power PMU discovery, NVML absence, and the `meters()` survey.
final class MeterSurveyTests: XCTestCase {
    func makePowerPMU() throws -> TemporaryTree {
        let tree = try TemporaryTree("perf-power")
        try tree.write("type", "4242\n")
        try tree.write("cpumask", "0\n")
        try tree.write("events/energy-pkg", "event=0x02\n")
        try tree.write("events/energy-pkg.scale", "2.3283064365386962890625e-10\n")
        try tree.write("events/energy-pkg.unit", "Joules\n")
        try tree.write("events/energy-ram", "event=0x03\n")
        try tree.write("events/energy-ram.scale", "2.3283064365386962890625e-10\n")
        try tree.write("events/energy-ram.unit", "Joules\n")
        return tree
    }

    func testPerfPowerEventsAreReadFromSysfs() throws {
        let tree = try makePowerPMU()
        let (type, cpus, events) = try PerfPowerMeter.discover(root: tree.root, files: SystemFileAccess())
        XCTAssertEqual(type, 4242)
        XCTAssertEqual(cpus, [0])
        XCTAssertEqual(events.map(\.name), ["energy-pkg", "energy-ram"])
        XCTAssertEqual(events.map(\.config), [2, 3])
        XCTAssertEqual(events[0].scale, 0x1p-32)
        XCTAssertEqual(events[0].unit, "Joules")
    }

    func testPerfPowerWithoutAUsablePMUGivesTheReason() throws {
        let tree = try makePowerPMU()
        // PMU type 4242 does not exist in this kernel: perf_event_open fails and the meter says why.
        XCTAssertThrowsError(try PerfPowerMeter(root: tree.root)) { error in
            XCTAssertTrue("\(error)".contains("perf_event_open") || "\(error)".contains("perf_event_paranoid"), "\(error)")
        }
        XCTAssertThrowsError(try PerfPowerMeter(root: "/nonexistent/power")) { error in
            XCTAssertTrue("\(error)".contains("no power PMU"), "\(error)")
        }
        let permission = PerfPowerMeter.openError(errorNumber: EACCES, event: "energy-pkg", paranoid: "2")
        XCTAssertTrue("\(permission)".contains("perf_event_paranoid <= 0 (it is 2)"))
        XCTAssertTrue("\(permission)".contains("CAP_PERFMON"))
    }

    func testPerfPowerRejectsMalformedFiles() throws {
        let tree = try makePowerPMU()
        try tree.write("events/energy-pkg.unit", "Watts\n")
        XCTAssertThrowsError(try PerfPowerMeter.discover(root: tree.root, files: SystemFileAccess())) { error in
            guard case MeterError.malformed = error else { return XCTFail("got \(error)") }
        }
        XCTAssertEqual(try PerfPowerMeter.parseCPUList("0-1,4", path: "cpumask"), [0, 1, 4])
        XCTAssertThrowsError(try PerfPowerMeter.parseCPUList("x", path: "cpumask"))
        XCTAssertEqual(PerfPowerMeter.parseEventConfig("event=0x02,umask=0x1"), 2)
        XCTAssertNil(PerfPowerMeter.parseEventConfig("umask=0x1"))
    }

    func testPerfEventOpenSystemCallWorksOnTheSoftwarePMU() throws {
        // The software PMU (type 1) exists on every Linux kernel, VMs included; config 0 is
        // PERF_COUNT_SW_CPU_CLOCK (nanoseconds). This checks the dlsym'd syscall and the attribute layout.
        let descriptor = PerfEventSystemCall.open(type: 1, config: 0, cpu: 0)
        if descriptor == -Int(EACCES) || descriptor == -Int(EPERM) {
            throw XCTSkip("system-wide perf events not permitted for this user (perf_event_paranoid)")
        }
        XCTAssertGreaterThanOrEqual(descriptor, 0, "perf_event_open failed: \(String(cString: strerror(Int32(-descriptor))))")
        guard descriptor >= 0 else { return }
        defer { close(Int32(descriptor)) }
        func count() -> UInt64 {
            var value: UInt64 = 0
            _ = withUnsafeMutableBytes(of: &value) { read(Int32(descriptor), $0.baseAddress, 8) }
            return value
        }
        let before = count()
        Thread.sleep(forTimeInterval: 0.05)
        XCTAssertGreaterThan(count(), before, "the CPU clock counter advances")
    }

    func testNVMLAbsentGivesTheReason() {
        XCTAssertThrowsError(try NVMLMeter(libraryPath: "/nonexistent/libnvidia-ml.so.1")) { error in
            guard case let MeterError.unavailable(meter, reason) = error else { return XCTFail("got \(error)") }
            XCTAssertEqual(meter, "nvml")
            XCTAssertTrue(reason.contains("cannot load /nonexistent/libnvidia-ml.so.1"))
        }
    }

    func testSurveyListsEveryMeterWithAvailabilityAndReason() throws {
        let tree = try TemporaryTree("survey")
        try tree.addZone("intel-rapl:0", name: "package-0", microjoules: 1)
        setenv(RAPLMeter.rootVariable, tree.root, 1)
        setenv(PerfPowerMeter.rootVariable, "/nonexistent/power", 1)
        setenv(NVMLMeter.libraryVariable, "/nonexistent/libnvidia-ml.so.1", 1)
        defer {
            unsetenv(RAPLMeter.rootVariable)
            unsetenv(PerfPowerMeter.rootVariable)
            unsetenv(NVMLMeter.libraryVariable)
        }
        let statuses = Meters.survey()
        XCTAssertEqual(statuses.map(\.name), ["rapl", "perf-power", "nvml"])
        XCTAssertTrue(statuses[0].isAvailable)
        XCTAssertTrue(statuses[0].description.hasPrefix("rapl: available, domains package-0"))
        XCTAssertFalse(statuses[1].isAvailable)
        XCTAssertTrue(statuses[1].description.contains("no power PMU"))
        XCTAssertFalse(statuses[2].isAvailable)
        XCTAssertTrue(statuses[2].reason!.contains("cannot load"))
        XCTAssertEqual(Meters.firstAvailable()?.name, "rapl")
        XCTAssertThrowsError(try Meters.open("watt-o-meter"))
    }
}
