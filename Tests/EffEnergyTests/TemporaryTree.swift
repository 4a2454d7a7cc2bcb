import Foundation
import XCTest

/// A directory of small text files in the temp dir, removed on deinit: stands in for sysfs/procfs.
final class TemporaryTree {
    let root: String

    init(_ label: String) throws {
        root = NSTemporaryDirectory() + "eff-\(label)-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// Writes `text` to `root/relativePath`, creating directories.
    func write(_ relativePath: String, _ text: String) throws {
        let path = root + "/" + relativePath
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        // Atomic (write then rename), as sysfs reads are: a poller never sees a half-written file.
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Adds a powercap zone directory with `name`, `energy_uj` and `max_energy_range_uj`.
    func addZone(_ zone: String, name: String, microjoules: UInt64, range: UInt64 = 262_143_328_850) throws {
        try write("\(zone)/name", name + "\n")
        try write("\(zone)/energy_uj", "\(microjoules)\n")
        try write("\(zone)/max_energy_range_uj", "\(range)\n")
    }

    /// Sets a zone's counter, as the hardware would advance it.
    func setEnergy(_ zone: String, _ microjoules: UInt64) throws {
        try write("\(zone)/energy_uj", "\(microjoules)\n")
    }
}
