/// A named unit: a symbol, its dimension, and how many base units one of it is.
public struct Unit: Hashable, Sendable {
    /// What users type and what display prints, e.g. `mJ`, `GB`, `kWh`.
    public let symbol: String
    public let dimension: Dimension
    /// Base units per one of this unit (joules, seconds, bytes or FLOP).
    public let factor: Double
    /// Whether display may choose this unit on its own (false for units only typed, such as `Wh`).
    public let isDisplayed: Bool
    /// One line for `:help units` and docs.
    public let summary: String

    public init(_ symbol: String, _ dimension: Dimension, _ factor: Double,
                displayed: Bool = true, _ summary: String) {
        self.symbol = symbol
        self.dimension = dimension
        self.factor = factor
        self.isDisplayed = displayed
        self.summary = summary
    }
}

/// The single list of units eff understands. Lexing, display, conversion, docs and help read it.
public enum UnitTable {
    public static let all: [Unit] = [
        // Energy (base: joule)
        Unit("pJ", .energy, 1e-12, "picojoule"),
        Unit("nJ", .energy, 1e-9, "nanojoule"),
        Unit("uJ", .energy, 1e-6, displayed: false, "microjoule (ASCII spelling of µJ)"),
        Unit("µJ", .energy, 1e-6, "microjoule"),
        Unit("mJ", .energy, 1e-3, "millijoule"),
        Unit("J", .energy, 1, "joule"),
        Unit("kJ", .energy, 1e3, "kilojoule"),
        Unit("MJ", .energy, 1e6, "megajoule"),
        Unit("Wh", .energy, 3600, displayed: false, "watt-hour (3600 J)"),
        Unit("kWh", .energy, 3.6e6, displayed: false, "kilowatt-hour (3.6 MJ)"),
        // Power (J/s)
        Unit("mW", .power, 1e-3, "milliwatt"),
        Unit("W", .power, 1, "watt (J/s)"),
        Unit("kW", .power, 1e3, "kilowatt"),
        Unit("MW", .power, 1e6, "megawatt"),
        // Time (base: second)
        Unit("ns", .time, 1e-9, "nanosecond"),
        Unit("us", .time, 1e-6, displayed: false, "microsecond (ASCII spelling of µs)"),
        Unit("µs", .time, 1e-6, "microsecond"),
        Unit("ms", .time, 1e-3, "millisecond"),
        Unit("s", .time, 1, "second"),
        Unit("min", .time, 60, displayed: false, "minute"),
        Unit("h", .time, 3600, displayed: false, "hour"),
        // Data (base: byte); decimal prefixes display, binary ones are typed or converted to
        Unit("B", .data, 1, "byte"),
        Unit("KB", .data, 1e3, displayed: false, "kilobyte (1000 B; display uses kB)"),
        Unit("kB", .data, 1e3, "kilobyte (1000 B)"),
        Unit("MB", .data, 1e6, "megabyte (10^6 B)"),
        Unit("GB", .data, 1e9, "gigabyte (10^9 B)"),
        Unit("TB", .data, 1e12, "terabyte (10^12 B)"),
        Unit("KiB", .data, 1024, displayed: false, "kibibyte (1024 B)"),
        Unit("MiB", .data, 1_048_576, displayed: false, "mebibyte (2^20 B)"),
        Unit("GiB", .data, 1_073_741_824, displayed: false, "gibibyte (2^30 B)"),
        // Work (base: FLOP); one multiply-accumulate is two floating-point operations
        Unit("FLOP", .work, 1, "floating-point operation"),
        Unit("kFLOP", .work, 1e3, "10^3 FLOP"),
        Unit("MFLOP", .work, 1e6, "10^6 FLOP"),
        Unit("GFLOP", .work, 1e9, "10^9 FLOP"),
        Unit("TFLOP", .work, 1e12, "10^12 FLOP"),
        Unit("PFLOP", .work, 1e15, "10^15 FLOP"),
        Unit("MAC", .work, 2, displayed: false, "multiply-accumulate (2 FLOP)"),
        Unit("GMAC", .work, 2e9, displayed: false, "10^9 MAC"),
    ]

    private static let bySymbol: [String: Unit] = Dictionary(
        all.map { ($0.symbol, $0) }, uniquingKeysWith: { first, _ in first })

    /// The unit with exactly this symbol (case matters: `mW` is not `MW`).
    public static func unit(named symbol: String) -> Unit? { bySymbol[symbol] }

    /// Every symbol, for completion and the lexer.
    public static var symbols: [String] { all.map(\.symbol) }

    /// Parses a unit expression such as `mJ`, `GB/s`, `pJ/FLOP` or `J/MAC`: at most one `/`.
    /// Returns the combined dimension and factor.
    public static func parse(_ text: String) -> (dimension: Dimension, factor: Double)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard parts.count == 1 || parts.count == 2 else { return nil }
        guard let top = unit(named: parts[0]) else {
            if parts[0] == "1", parts.count == 2, let bottom = unit(named: parts[1]),
               let dimension = Dimension.none.divided(by: bottom.dimension) {
                return (dimension, 1 / bottom.factor)
            }
            return nil
        }
        if parts.count == 1 { return (top.dimension, top.factor) }
        guard let bottom = unit(named: parts[1]),
              let dimension = top.dimension.divided(by: bottom.dimension) else { return nil }
        return (dimension, top.factor / bottom.factor)
    }
}

import Foundation
