import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads small text files and lists directories; the seam through which meters see sysfs.
///
/// Meters never call the file system directly, so tests can run the real meter code
/// against a generated tree and inject failures (e.g. EACCES, which root cannot provoke
/// with `chmod 000` because root bypasses file permissions).
public protocol FileAccess: Sendable {
    /// The whole file as text. Throws `FileAccessError` with the errno on failure.
    func readText(_ path: String) throws -> String
    /// Entry names in a directory (not paths), unsorted.
    func listDirectory(_ path: String) throws -> [String]
    /// Whether something exists at `path`.
    func exists(_ path: String) -> Bool
}

/// A failed read, with the errno so callers can tell "permission denied" from "missing".
public struct FileAccessError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    /// The POSIX error number (EACCES, ENOENT, ...).
    public var errorNumber: Int32

    public init(path: String, errorNumber: Int32) {
        self.path = path
        self.errorNumber = errorNumber
    }

    /// True for EACCES and EPERM.
    public var isPermissionDenied: Bool { errorNumber == EACCES || errorNumber == EPERM }

    public var description: String {
        "\(path): \(String(cString: strerror(errorNumber)))"
    }
}

/// The real file system, read with POSIX open/read so the errno survives.
public struct SystemFileAccess: FileAccess {
    /// Files bigger than this are refused: everything read here is a one-line sysfs/procfs file
    /// (or /proc/cpuinfo, a few hundred KiB on large machines).
    public static let maximumFileBytes = 4 << 20

    public init() {}

    public func readText(_ path: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileAccessError(path: path, errorNumber: errno) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileAccessError(path: path, errorNumber: errno)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > Self.maximumFileBytes { throw FileAccessError(path: path, errorNumber: EFBIG) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func listDirectory(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else { throw FileAccessError(path: path, errorNumber: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }
}

/// Wraps another `FileAccess` and fails chosen paths with a chosen errno.
///
/// Used by tests to reproduce the root-only `energy_uj` of CVE-2020-8694 even when the
/// tests run as root; also usable to check how a tool behaves on a locked-down machine.
public struct FailureInjectingFileAccess: FileAccess {
    public var base: any FileAccess
    /// Path (exact, or a suffix such as "/energy_uj") → errno to throw when read.
    public var failures: [String: Int32]

    public init(base: any FileAccess = SystemFileAccess(), failures: [String: Int32]) {
        self.base = base
        self.failures = failures
    }

    public func readText(_ path: String) throws -> String {
        for (pattern, errorNumber) in failures where path == pattern || path.hasSuffix(pattern) {
            throw FileAccessError(path: path, errorNumber: errorNumber)
        }
        return try base.readText(path)
    }

    public func listDirectory(_ path: String) throws -> [String] { try base.listDirectory(path) }
    public func exists(_ path: String) -> Bool { base.exists(path) }
}

extension FileAccess {
    /// The file's text with surrounding whitespace removed; nil when it cannot be read.
    func readTrimmed(_ path: String) -> String? {
        (try? readText(path))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// An environment variable's value, nil when unset or empty.
func environmentValue(_ name: String) -> String? {
    guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
    return value
}
