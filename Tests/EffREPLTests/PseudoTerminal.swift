import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `eff` executable the prompt tests drive, found next to this test bundle.
enum PromptBinary {
    static let candidateNames = ["eff"]

    static let url: URL? = {
        var folders: [URL] = []
        if let runner = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            folders.append(URL(fileURLWithPath: runner).deletingLastPathComponent())
        }
        for bundle in Bundle.allBundles {
            folders.append(bundle.bundleURL)
            folders.append(bundle.bundleURL.deletingLastPathComponent())
        }
        for name in candidateNames {
            for folder in folders {
                let candidate = folder.appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
        }
        return nil
    }()
}

/// A child process whose standard input, output and error are a pseudo-terminal that is its controlling
/// terminal (so a written `\u{03}` becomes SIGINT, as on a real terminal). Every wait has a deadline.
final class PseudoTerminal {
    let processID: pid_t
    private let master: Int32
    /// Everything the child has written so far.
    private(set) var transcript = ""
    private var consumed = 0

    /// Starts `executable` in a new session on a fresh pseudo-terminal of 80 × 24.
    init(executable: URL, arguments: [String] = [], environment: [String: String]) throws {
        var masterDescriptor: Int32 = -1
        var slaveDescriptor: Int32 = -1
        var size = winsize(ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0)
        guard openpty(&masterDescriptor, &slaveDescriptor, nil, nil, &size) == 0,
              let name = ttyname(slaveDescriptor) else {
            throw PseudoTerminalError("cannot open a pseudo-terminal (errno \(errno))")
        }
        master = masterDescriptor
        let terminalName = String(cString: name)
        // The child opens the terminal by name; the parent's slave descriptor is not needed.
        close(slaveDescriptor)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Opened after setsid (glibc applies POSIX_SPAWN_SETSID first), so the terminal becomes controlling.
        posix_spawn_file_actions_addopen(&actions, 0, terminalName, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        posix_spawn_file_actions_addclose(&actions, master)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, PseudoTerminal.startNewSession)

        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable.path, &actions, &attributes, argv, envp)
        guard status == 0 else {
            close(master)
            throw PseudoTerminalError("cannot start \(executable.path): error \(status)")
        }
        processID = child
    }

    /// `POSIX_SPAWN_SETSID` (glibc 2.26+, macOS 10.15+), which Swift's Glibc module does not export.
    #if os(Linux)
    private static let startNewSession: Int16 = 0x80
    #else
    private static let startNewSession: Int16 = 0x400
    #endif

    deinit {
        terminate()
        close(master)
    }

    /// Types text into the terminal.
    func send(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeMutableBufferPointer { write(master, $0.baseAddress, $0.count) }
            if written <= 0 { return }
            offset += written
        }
        bytes.removeAll()
    }

    /// Types Ctrl-D after a pause: a control key that arrives before the line editor has switched the
    /// terminal to raw mode is consumed by the kernel's line discipline (a person never types that fast).
    func sendEndOfInput() {
        Thread.sleep(forTimeInterval: 0.3)
        send("\u{04}")
    }

    /// Waits until the output after the last match contains `text`; fails the test on timeout.
    @discardableResult
    func expect(_ text: String, timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let unread = String(transcript.dropFirst(consumed))
            if let range = unread.range(of: text) {
                consumed += unread.distance(from: unread.startIndex, to: range.upperBound)
                return true
            }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 || !readAvailable(waitingUpTo: remaining) {
                XCTFail("timed out waiting for \(text.debugDescription); output so far:\n\(transcript)",
                        file: file, line: line)
                return false
            }
        }
    }

    /// Reads whatever arrives within the wait; false at end of output.
    private func readAvailable(waitingUpTo seconds: TimeInterval) -> Bool {
        var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(min(seconds, 1) * 1000))
        if ready < 0 { return errno == EINTR }
        if ready == 0 { return true }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(master, &buffer, buffer.count)
        guard count > 0 else { return false }
        transcript += String(decoding: buffer[..<count], as: UTF8.self)
        return true
    }

    /// Waits for the child to exit and returns its exit status; kills it and fails after the timeout.
    func waitForExit(timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var status: Int32 = 0
            let result = waitpid(processID, &status, WNOHANG)
            if result == processID {
                exited = true
                return (status & 0x7f) == 0 ? (status >> 8) & 0xff : nil
            }
            _ = readAvailable(waitingUpTo: 0.05)
        }
        XCTFail("the prompt did not exit; output:\n\(transcript)", file: file, line: line)
        terminate()
        return nil
    }

    private var exited = false

    /// Kills the child if it is still running (never leaves a process behind).
    func terminate() {
        guard !exited else { return }
        kill(processID, SIGKILL)
        var status: Int32 = 0
        waitpid(processID, &status, 0)
        exited = true
    }
}

struct PseudoTerminalError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
