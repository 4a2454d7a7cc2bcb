import EffKernels
import XCTest
@testable import EffModels

/// Hostile and damaged weight files must give a clear error — never a crash or a huge allocation.
final class CorruptWeightFileTests: XCTestCase {
    /// A safetensors file from a raw header string and data bytes.
    private func safetensors(_ header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (declaredLength ?? UInt64(header.utf8.count)).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + Array(header.utf8) + data
    }

    private func assertSafetensorsError(_ bytes: [UInt8], _ fragments: [String], line: UInt = #line) {
        TestSupport.assertThrows(try SafeTensorsFormat.parse(bytes, file: "bad.safetensors"), kind: .weightFile,
                                 containing: ["bad.safetensors"] + fragments, line: line)
    }

    private let validEntry = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#

    func testValidMinimalFileParses() throws {
        let file = try SafeTensorsFormat.parse(safetensors(validEntry, data: [0, 0, 128, 63, 0, 0, 0, 64]), file: "ok")
        XCTAssertEqual(file["w"]?.values, [1, 2])
    }

    func testTruncatedBeforeHeaderLength() {
        assertSafetensorsError([1, 2, 3], ["truncated", "8-byte header length"])
    }

    func testHeaderLengthPastEndOfFile() {
        assertSafetensorsError(safetensors("{}", declaredLength: 1 << 40), ["header length 1099511627776", "past the end"])
        assertSafetensorsError(safetensors("{}", declaredLength: UInt64.max), ["past the end"])
    }

    func testJSONNonsense() {
        assertSafetensorsError(safetensors(#"{"w": [1, 2"#), ["invalid JSON"])
        assertSafetensorsError(safetensors("[1, 2]"), ["not a JSON object"])
        assertSafetensorsError(safetensors(String(repeating: "[", count: 5000)), ["nested deeper"])
        assertSafetensorsError(safetensors(#"{"a":{},"a":{}}"#), ["duplicate key 'a'"])
        assertSafetensorsError(safetensors("{\"w\":\"\u{1}\"}"), ["control character"])
        assertSafetensorsError(safetensors(#"{"w":{"dtype":"F32","shape":[2]}}"#), ["'w'", "data_offsets"])
        assertSafetensorsError(safetensors(#"{"__metadata__":{"k":3}}"#), ["'k' is not a string"])
    }

    func testUnsupportedOrWrongDtype() {
        assertSafetensorsError(safetensors(#"{"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}"#, data: [0, 0]),
                               ["unsupported dtype 'F8_E4M3'"])
        // F64 with 2 elements needs 16 bytes, the offsets cover 8: a dtype/size mismatch.
        assertSafetensorsError(safetensors(#"{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)),
                               ["needs 16 bytes", "span 8"])
    }

    func testBadShapes() {
        assertSafetensorsError(safetensors(#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#), ["non-negative integers"])
        assertSafetensorsError(safetensors(#"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,0]}}"#), ["non-negative integers"])
        assertSafetensorsError(safetensors(#"{"w":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,8]}}"#,
                                           data: [UInt8](repeating: 0, count: 8)), ["more elements than can be addressed"])
        assertSafetensorsError(safetensors(#"{"w":{"dtype":"F64","shape":[1152921504606846976,16],"data_offsets":[0,8]}}"#,
                                           data: [UInt8](repeating: 0, count: 8)), ["more elements"])
        assertSafetensorsError(safetensors(#"{"w":{"dtype":"F64","shape":[1152921504606846976],"data_offsets":[0,8]}}"#,
                                           data: [UInt8](repeating: 0, count: 8)), ["too many bytes"])
    }

    func testOffsetsOutOfBoundsOverlappingOrLeavingGaps() {
        assertSafetensorsError(safetensors(#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: [UInt8](repeating: 0, count: 8)),
                               ["exceed the 8 data bytes"])
        assertSafetensorsError(safetensors(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#, data: [UInt8](repeating: 0, count: 8)),
                               ["0 ≤ begin ≤ end"])
        let overlapping = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        assertSafetensorsError(safetensors(overlapping, data: [UInt8](repeating: 0, count: 12)), ["'b' overlaps"])
        let gap = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        assertSafetensorsError(safetensors(gap, data: [UInt8](repeating: 0, count: 8)), ["unused bytes 0..<4"])
        assertSafetensorsError(safetensors(validEntry, data: [UInt8](repeating: 0, count: 12)), ["4 trailing bytes"])
    }

    func testTruncatedFile() throws {
        let model = try Model.mlp([4, 3, 2], seed: 1)
        let bytes = try SafeTensorsFormat.serialize(model.namedTensors(), metadata: model.weightFileMetadata)
        for cut in [bytes.count - 1, bytes.count - 20, 9, 100] {
            TestSupport.assertThrows(try SafeTensorsFormat.parse(Array(bytes.prefix(cut)), file: "cut.safetensors"),
                                     kind: .weightFile, containing: ["cut.safetensors"])
        }
    }

    func testEffMetadataThatLiesIsRejected() throws {
        let folder = try TestSupport.temporaryFolder()
        let path = folder.appendingPathComponent("lie.safetensors").path
        let model = try Model.mlp([4, 3, 2], seed: 1)
        var metadata = model.weightFileMetadata
        metadata["eff.layers"] = "dense 99999999 relu;dense 2 none"
        try SafeTensorsFormat.write(model.namedTensors(), metadata: metadata, to: path)
        TestSupport.assertThrows(try Model.load(path: path), kind: .weightFile, containing: ["unreadable eff metadata"])
        metadata["eff.layers"] = "dense 5 relu;dense 2 none"
        try SafeTensorsFormat.write(model.namedTensors(), metadata: metadata, to: path)
        TestSupport.assertThrows(try Model.load(path: path), kind: .weightFile, containing: ["'0.weight' has shape [3, 4]"])
    }

    func testMutatedFilesNeverCrash() throws {
        let model = try Model(inputCount: 4, specs: [.dense(units: 3, activation: .relu), .layerNorm,
                                                     .dense(units: 2, activation: .none)], seed: 1)
        let original = try SafeTensorsFormat.serialize(model.namedTensors(), metadata: model.weightFileMetadata)
        var random = RandomGenerator(seed: 99)
        var rejected = 0
        for _ in 0..<400 {
            var bytes = original
            for _ in 0..<(1 + random.nextIndex(below: 4)) {
                let position = random.nextIndex(below: bytes.count)
                bytes[position] = UInt8(truncatingIfNeeded: random.next())
            }
            if random.nextIndex(below: 3) == 0 { bytes = Array(bytes.prefix(random.nextIndex(below: bytes.count))) }
            do {
                let file = try SafeTensorsFormat.parse(bytes, file: "fuzz")
                _ = try? model.loadingWeights(from: file)
            } catch is ModelsError {
                rejected += 1
            }
        }
        XCTAssertGreaterThan(rejected, 100)
    }

    func testCorruptNpy() throws {
        let valid = try NumPyFormat.serializeArray([1, 2, 3, 4], shape: [2, 2])
        func assertNpyError(_ bytes: [UInt8], _ fragments: [String], line: UInt = #line) {
            TestSupport.assertThrows(try NumPyFormat.parseArray(bytes, name: "x", file: "bad.npy"), kind: .weightFile,
                                     containing: ["bad.npy"] + fragments, line: line)
        }
        assertNpyError(Array("not numpy at all".utf8), ["bad magic"])
        var longHeader = valid
        longHeader[8] = 0xFF; longHeader[9] = 0xFF
        assertNpyError(longHeader, ["header length 65535", "past the end"])
        assertNpyError(Array(valid.dropLast(3)), ["needs 16 bytes", "truncated"])
        func withHeader(_ header: String) -> [UInt8] {
            var text = header
            while (10 + text.utf8.count + 1) % 64 != 0 { text += " " }
            text += "\n"
            return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(text.utf8.count), 0] + Array(text.utf8)
                + [UInt8](repeating: 0, count: 16)
        }
        assertNpyError(withHeader("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }"), ["unsupported NumPy dtype '<c8'"])
        assertNpyError(withHeader("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }"), ["fortran_order"])
        assertNpyError(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }"),
                       ["more elements"])
        assertNpyError(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }"), ["non-negative"])
        assertNpyError(withHeader("{'descr': '<f4', 'shape': (2,), '__class__': 1}"), ["unexpected key"])
        assertNpyError(withHeader("{'descr': '<f4'}"), ["no 'shape'"])
        var version = valid
        version[6] = 9
        assertNpyError(version, ["version 9"])
    }

    func testCorruptNpz() throws {
        let stored = try [UInt8](Data(contentsOf: TestSupport.fixtures.appendingPathComponent("numpy_mlp.npz")))
        let compressed = try [UInt8](Data(contentsOf: TestSupport.fixtures.appendingPathComponent("numpy_mlp_compressed.npz")))
        func assertNpzError(_ bytes: [UInt8], _ fragments: [String], line: UInt = #line) {
            TestSupport.assertThrows(try NumPyFormat.parseArchive(bytes, file: "bad.npz"), kind: .weightFile,
                                     containing: ["bad.npz"] + fragments, line: line)
        }
        assertNpzError(Array("PK but not really a zip file, just text".utf8), ["no end-of-central-directory"])
        assertNpzError(Array(stored.prefix(stored.count / 2)), ["no end-of-central-directory"])
        var flipped = stored
        flipped[200] ^= 0xFF  // inside the first member's data
        assertNpzError(flipped, [])
        var damaged = compressed
        for index in 120..<160 { damaged[index] = 0xA5 }
        assertNpzError(damaged, [])
        // Point the central directory past the end of the file.
        var pointer = stored
        let end = pointer.count - 22
        pointer[end + 16] = 0xFF; pointer[end + 17] = 0xFF; pointer[end + 18] = 0xFF; pointer[end + 19] = 0x7F
        assertNpzError(pointer, [])
    }

    /// zlib inflates deflated members to exactly the size the directory gives, or says what is wrong.
    func testInflateChecksSizeAndData() throws {
        let text = Array("hello".utf8)
        let stored: [UInt8] = [0x01, 5, 0, 0xFA, 0xFF] + text  // one final stored block of 5 bytes
        func failure(_ message: String) -> ModelsError { ModelsError(.weightFile, "m: \(message)") }
        XCTAssertEqual(try ZipArchive.inflate(stored[...], size: 5, failure: failure), text)
        TestSupport.assertThrows(try ZipArchive.inflate(stored[...], size: 4, failure: failure), containing: ["more than the 4 bytes"])
        TestSupport.assertThrows(try ZipArchive.inflate(stored[...], size: 6, failure: failure),
                                 containing: ["inflated to 5 bytes, directory says 6"])
        TestSupport.assertThrows(try ZipArchive.inflate(stored.dropLast(2), size: 5, failure: failure), containing: ["ends early"])
        TestSupport.assertThrows(try ZipArchive.inflate([0xFF, 0xFF, 0xFF][...], size: 5, failure: failure),
                                 containing: ["deflate data corrupt"])
        XCTAssertEqual(ZipArchive.crc32(Array("123456789".utf8)), 0xCBF4_3926)  // the CRC-32 check value
    }
}
