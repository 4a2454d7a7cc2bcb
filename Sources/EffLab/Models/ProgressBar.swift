import EffModels
import EffCharts
import Foundation

/// A one-line training progress bar on standard error, redrawn after each epoch.
///
/// Only shown when standard error is a terminal and TERM is not "dumb", so scripts' output (and stdout,
/// which never gets it) stays deterministic. No colour is used, so NO_COLOR needs nothing special.
///
///     train  epoch 12/30 ████████░░░░░░░░░░░░ loss 0.1234  accuracy 96.5%  ~4 s left
final class ProgressBar {
    private let label: String
    private let ascii: Bool
    private let width: Int
    private var drawn = false
    /// Characters in the bar.
    private static let cells = 20

    private init(label: String, ascii: Bool, width: Int) {
        self.label = label
        self.ascii = ascii
        self.width = width
    }

    /// A bar when standard error is an interactive terminal, else nil.
    static func forStandardError(label: String, ascii: Bool) -> ProgressBar? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        let environment = ProcessInfo.processInfo.environment
        if environment["TERM"] == "dumb" { return nil }
        let columns = Terminal.windowColumns(STDERR_FILENO) ?? environment["COLUMNS"].flatMap(Int.init) ?? 80
        return ProgressBar(label: label, ascii: ascii, width: max(40, min(columns, 200)))
    }

    /// Draws the empty bar before the first epoch, so a slow first epoch does not look like a hang.
    func start(epochs: Int, unit: String = "epoch") {
        let empty = String(repeating: ascii ? "-" : "░", count: ProgressBar.cells)
        write("\r\u{1B}[K\(label)  \(unit) 0/\(epochs) \(empty)")
        drawn = true
    }

    /// Redraws the line for a finished epoch.
    func update(_ epoch: TrainingEpoch) {
        update(done: epoch.epoch, of: epoch.epochs, unit: "epoch", elapsed: epoch.elapsed,
               detail: "loss \(LabFormat.fixed(epoch.loss, digits: 4))  accuracy \(LabFormat.percent(epoch.trainAccuracy))")
    }

    /// Redraws the line after `step` of `total` steps (epochs, examples), `elapsed` seconds in.
    func update(done step: Int, of total: Int, unit: String, elapsed: Double, detail: String) {
        let done = Double(step) / Double(max(1, total))
        let remaining = step > 0 ? elapsed / Double(step) * Double(total - step) : 0
        let head = "\(label)  \(unit) \(step)/\(total) "
        var tail = " " + detail
        if step < total { tail += "  ~\(Self.duration(remaining)) left" }
        // A narrow terminal shortens the bar first (to 5 cells), and only then cuts the text.
        let cells = max(5, min(ProgressBar.cells, width - 1 - head.count - tail.count))
        let filled = min(cells, Int((done * Double(cells)).rounded()))
        let bar = String(repeating: ascii ? "#" : "█", count: filled)
            + String(repeating: ascii ? "-" : "░", count: cells - filled)
        var line = head + bar + tail
        if line.count > width - 1 { line = String(line.prefix(width - 1)) }
        write("\r\u{1B}[K" + line)
        drawn = true
    }

    /// Clears the bar so later output starts on a clean line.
    func finish() {
        if drawn { write("\r\u{1B}[K") }
        drawn = false
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// `4 s`, `2 min 05 s`. // seconds
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole) s" }
        return "\(whole / 60) min \(String(format: "%02d", whole % 60)) s"
    }
}
