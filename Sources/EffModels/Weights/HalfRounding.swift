// Rounding helpers for writing F16/BF16 weight files (exact, ties to even, portable: no Float16 type).

/// Rounds to the nearest IEEE half-precision value (ties to even; overflow to ±infinity).
func roundToHalf(_ value: Float) -> Float {
    let bits = value.bitPattern
    let sign = bits & 0x8000_0000
    let magnitude = Float(bitPattern: bits & 0x7FFF_FFFF)
    if magnitude.isNaN { return value }
    if magnitude >= 65520 { return Float(bitPattern: sign | Float.infinity.bitPattern) }
    if magnitude < 6.103_515_6e-05 {
        // Subnormal halves are multiples of 2^-24: round on that grid (ties to even via rint semantics).
        let step: Float = 5.960_464_5e-08
        return Float(bitPattern: sign | ((magnitude / step).rounded(.toNearestOrEven) * step).bitPattern)
    }
    // Normal halves keep 10 mantissa bits: round away the low 13 bits of the f32 mantissa, ties to even.
    let raw = magnitude.bitPattern
    let lowBits = raw & 0x1FFF
    var rounded = raw & ~0x1FFF
    if lowBits > 0x1000 || (lowBits == 0x1000 && (raw & 0x2000) != 0) { rounded += 0x2000 }
    return Float(bitPattern: sign | rounded)
}

/// Rounds to the nearest bfloat16 value (the top 16 bits of an f32, ties to even).
func roundToBFloat16(_ value: Float) -> Float {
    if value.isNaN { return value }
    let bits = value.bitPattern
    let rounding: UInt32 = 0x7FFF + ((bits >> 16) & 1)
    return Float(bitPattern: (bits &+ rounding) & 0xFFFF_0000)
}
