#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A read-only memory mapping of a whole file: tensors are used where they lie, never copied.
///
/// The mapping lives as long as this object; every `UnsafeRawPointer` handed out from it must not outlive it
/// (the model keeps a reference to its file).
public final class MappedFile: @unchecked Sendable {
    /// The file's path, for messages.
    public let path: String
    /// First byte of the mapping (nil for an empty file).
    public let base: UnsafeRawPointer?
    /// Size in bytes.
    public let count: Int

    /// Maps `path` read-only. A missing or unreadable file is `LLMError(.notFound)`.
    public init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw LLMError(.notFound, "cannot open '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw LLMError(.notFound, "cannot read '\(path)': \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw LLMError(.notFound, "'\(path)' is not a regular file")
        }
        count = Int(info.st_size)
        guard count > 0 else { base = nil; return }
        let mapped = mmap(nil, count, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw LLMError(.notFound, "cannot map '\(path)' (\(count) bytes): \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(mapped)
    }

    /// Wraps bytes already in memory (tests, fuzzing): they are copied once into an owned buffer.
    public init(bytes: [UInt8], name: String = "<memory>") {
        path = name
        let size = bytes.count
        count = size
        if size == 0 { base = nil; owned = nil; return }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: size) }
        base = UnsafeRawPointer(buffer)
        owned = buffer
    }

    private var owned: UnsafeMutableRawPointer?

    deinit {
        if let owned {
            owned.deallocate()
        } else if let base {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        }
    }
}
