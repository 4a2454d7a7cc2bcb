import Foundation
import XCTest
@testable import EffEnergy

/// The RAPL meter against generated powercap trees: the same code reads /sys/class/powercap.
final class RAPLMeterTests: XCTestCase {
    func testNormalTreeReportsJoulesPerDomainAndTotal() throws {
        let tree = try TemporaryTree("powercap")
        try tree.addZone("intel-rapl:0", name: "package-0", microjoules: 1_000_000)
        try tree.addZone("intel-rapl:0:0", name: "core", microjoules: 400_000)
        try tree.addZone("intel-rapl:0:1", name: "uncore", microjoules: 50_000)
        try tree.addZone("intel-rapl:0:2", name: "dram", microjoules: 7_000_000)
        try tree.addZone("intel-rapl:1", name: "psys", microjoules: 9_000_000)
        try tree.write("intel-rapl/enabled", "1\n")  // the control-type directory is not a zone
        let meter = try RAPLMeter(root: tree.root)
        XCTAssertEqual(meter.domains, ["package-0", "package-0/core", "package-0/uncore", "package-0/dram", "psys"])
        XCTAssertEqual(meter.totalDomains, ["package-0", "package-0/dram"], "psys contains the packages: not summed")
        let start = try meter.read()
        try tree.setEnergy("intel-rapl:0", 6_000_000)     // +5 J
        try tree.setEnergy("intel-rapl:0:0", 3_400_000)   // +3 J
        try tree.setEnergy("intel-rapl:0:2", 8_500_000)   // +1.5 J
        try tree.setEnergy("intel-rapl:1", 16_000_000)    // +7 J
        let window = meter.window(from: start, to: try meter.read())
        XCTAssertEqual(window.joulesByDomain["package-0"]!, 5, accuracy: 1e-9)
        XCTAssertEqual(window.joulesByDomain["package-0/core"]!, 3, accuracy: 1e-9)
        XCTAssertEqual(window.joulesByDomain["package-0/uncore"]!, 0, accuracy: 1e-9)
        XCTAssertEqual(window.joulesByDomain["package-0/dram"]!, 1.5, accuracy: 1e-9)
        XCTAssertEqual(window.joulesByDomain["psys"]!, 7, accuracy: 1e-9)
        XCTAssertEqual(window.totalJoules, 6.5, accuracy: 1e-9)
        XCTAssertEqual(meter.source(basis: .total), .measured(meter: "rapl", domains: ["package-0", "package-0/dram"], basis: .total))
    }

    func testWrappedCounterAddsTheRange() throws {
        let tree = try TemporaryTree("powercap-wrap")
        try tree.addZone("intel-rapl:0", name: "package-0", microjoules: 900_000, range: 1_000_000)
        let meter = try RAPLMeter(root: tree.root)
        let start = try meter.read()
        try tree.setEnergy("intel-rapl:0", 100_000)  // 900000 → 1000000 (wrap) → 100000: 0.2 J
        let window = meter.window(from: start, to: try meter.read())
        XCTAssertEqual(window.totalJoules, 0.2, accuracy: 1e-9)
        XCTAssertEqual(RAPLMeter.forwardDistance(from: 10, to: 30, range: 100), 20)
        XCTAssertEqual(RAPLMeter.forwardDistance(from: 90, to: 5, range: 100), 15)
    }

    func testBackgroundPollingCatchesTwoWrapsInOneWindow() throws {
        let tree = try TemporaryTree("powercap-poll")
        try tree.addZone("intel-rapl:0", name: "package-0", microjoules: 900_000, range: 1_000_000)
        let meter = try RAPLMeter(root: tree.root)
        let start = try meter.read()
        meter.startPolling(interval: 0.01)
        XCTAssertTrue(meter.isPolling)
        try tree.setEnergy("intel-rapl:0", 500_000)   // wrapped once: +0.6 J
        Thread.sleep(forTimeInterval: 0.2)            // the poller reads it
        try tree.setEnergy("intel-rapl:0", 100_000)   // wrapped again: +0.6 J
        let window = meter.window(from: start, to: try meter.read())
        meter.stopPolling()
        XCTAssertFalse(meter.isPolling)
        // Without the poller the two reads would see 900000 → 100000 and report 0.2 J.
        XCTAssertEqual(window.totalJoules, 1.2, accuracy: 1e-9)
    }

    func testRootOnlyEnergyFileIsExplainedNotZero() throws {
        let tree = try TemporaryTree("powercap-eacces")
        try tree.addZone("intel-rapl:0", name: "package-0", microjoules: 1_000)
        // chmod 000 does not stop root (these tests may run as root), so inject EACCES at the file-access seam.
        let files = FailureInjectingFileAccess(failures: ["intel-rapl:0/energy_uj": EACCES])
        XCTAssertThrowsError(try RAPLMeter(root: tree.root, files: files)) { error in
            guard case let MeterError.permissionDenied(meter, path, fix) = error else {
                return XCTFail("expected permissionDenied, got \(error)")
            }
            XCTAssertEqual(meter, "rapl")
            XCTAssertTrue(path.hasSuffix("intel-rapl:0/energy_uj"))
            XCTAssertTrue(fix.contains("CVE-2020-8694"))
            XCTAssertTrue(fix.contains("chmod"))
            XCTAssertTrue(fix.contains("not reported as 0 J"))
        }
        // The survey shows the reason for `meters()`.
        setenv(RAPLMeter.rootVariable, tree.root, 1)
        defer { unsetenv(RAPLMeter.rootVariable) }
        let status = Meters.survey(files: files).first { $0.name == "rapl" }!
        XCTAssertFalse(status.isAvailable)
        XCTAssertTrue(status.reason!.contains("permission denied"), status.reason!)
    }

    func testChmodZeroIsDeniedForOrdinaryUsers() throws {
        let tree = try TemporaryTree("powercap-chmod")
        try tree.addZone("intel-rapl:0", name: "package-0", microjoules: 1_000)
        chmod(tree.root + "/intel-rapl:0/energy_uj", 0)
        defer { chmod(tree.root + "/intel-rapl:0/energy_uj", 0o644) }
        if geteuid() == 0 {
            // Root bypasses permissions, as on real sysfs: the meter opens. The injected-EACCES test covers the error.
            XCTAssertNoThrow(try RAPLMeter(root: tree.root))
        } else {
            XCTAssertThrowsError(try RAPLMeter(root: tree.root)) { error in
                guard case MeterError.permissionDenied = error else { return XCTFail("got \(error)") }
            }
        }
    }

    func testMirroredZonesAreNotDoubleCounted() throws {
        let tree = try TemporaryTree("powercap-mirror")
        try tree.addZone("intel-rapl:0", name: "package-0", microjoules: 1_000_000)
        try tree.addZone("intel-rapl-mmio:0", name: "package-0", microjoules: 1_000_000)
        let meter = try RAPLMeter(root: tree.root)
        XCTAssertEqual(meter.domains, ["package-0"])
        XCTAssertTrue(meter.notes.contains { $0.contains("intel-rapl-mmio:0") && $0.contains("mirrors") })
        let start = try meter.read()
        try tree.setEnergy("intel-rapl:0", 3_000_000)
        try tree.setEnergy("intel-rapl-mmio:0", 3_000_000)
        XCTAssertEqual(meter.window(from: start, to: try meter.read()).totalJoules, 2, accuracy: 1e-9)
    }

    func testPerDieZonesMirroringOneCounterAreCountedOnce() throws {
        let tree = try TemporaryTree("powercap-dies")
        try tree.addZone("intel-rapl:0", name: "package-0-die-0", microjoules: 5_123_456)
        try tree.addZone("intel-rapl:1", name: "package-0-die-1", microjoules: 5_123_456)
        try tree.addZone("intel-rapl:2", name: "package-1-die-0", microjoules: 777_000)
        let meter = try RAPLMeter(root: tree.root)
        XCTAssertEqual(meter.domains, ["package-0-die-0", "package-1-die-0"])
        XCTAssertEqual(meter.totalDomains, ["package-0-die-0", "package-1-die-0"])
        XCTAssertTrue(meter.notes.contains { $0.contains("same counter as package-0-die-0") })
    }

    func testMissingDramIsNotedAndTotalIsPackagesOnly() throws {
        let tree = try TemporaryTree("powercap-nodram")
        try tree.addZone("intel-rapl:0", name: "package-0", microjoules: 0)
        try tree.addZone("intel-rapl:0:0", name: "core", microjoules: 0)
        try tree.addZone("intel-rapl:1", name: "package-1", microjoules: 0)
        let meter = try RAPLMeter(root: tree.root)
        XCTAssertEqual(meter.totalDomains, ["package-0", "package-1"])
        XCTAssertTrue(meter.notes.contains("no dram zone: DRAM energy is not measured"))
        let start = try meter.read()
        try tree.setEnergy("intel-rapl:0", 2_000_000)
        try tree.setEnergy("intel-rapl:1", 500_000)
        XCTAssertEqual(meter.window(from: start, to: try meter.read()).totalJoules, 2.5, accuracy: 1e-9)
    }

    func testMissingTreeAndMalformedFilesGiveReasons() throws {
        XCTAssertThrowsError(try RAPLMeter(root: "/nonexistent/eff-powercap")) { error in
            guard case let MeterError.unavailable(_, reason) = error else { return XCTFail("got \(error)") }
            XCTAssertTrue(reason.contains("no powercap directory"))
        }
        let empty = try TemporaryTree("powercap-empty")
        XCTAssertThrowsError(try RAPLMeter(root: empty.root)) { error in
            XCTAssertTrue("\(error)".contains("no intel-rapl zones"))
        }
        let bad = try TemporaryTree("powercap-bad")
        try bad.addZone("intel-rapl:0", name: "package-0", microjoules: 0)
        try bad.write("intel-rapl:0/energy_uj", "garbage\n")
        XCTAssertThrowsError(try RAPLMeter(root: bad.root)) { error in
            guard case MeterError.malformed = error else { return XCTFail("got \(error)") }
        }
    }

    func testEnvironmentVariableOverridesTheRoot() throws {
        let tree = try TemporaryTree("powercap-env")
        try tree.addZone("intel-rapl:0", name: "package-0", microjoules: 42)
        setenv(RAPLMeter.rootVariable, tree.root, 1)
        defer { unsetenv(RAPLMeter.rootVariable) }
        let meter = try RAPLMeter()
        XCTAssertEqual(meter.root, tree.root)
        XCTAssertEqual(meter.domains, ["package-0"])
    }
}
