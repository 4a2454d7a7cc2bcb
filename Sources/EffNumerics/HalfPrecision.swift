/// Scalar conversions between f32 and the 16-bit formats (IEEE half, bfloat16), bit-exact and portable.
///
/// Kept free of `Float16` (unavailable on some platforms) so every build has the same rounding. The kernels
/// (EffKernels, EffKernelsAVX2) and the weight files (EffModels) all use these; `@inlinable` so hot loops
/// compile them in place.
public enum HalfPrecision {
    /// f32 → IEEE binary16 bits, round to nearest even; overflow → ±infinity.
    @inlinable
    public static func halfBits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        var mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF { return sign | 0x7C00 | (mantissa != 0 ? 0x200 : 0) }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F { return sign | 0x7C00 }
        if halfExponent <= 0 {
            if halfExponent < -10 { return sign }
            mantissa |= 0x80_0000
            let shift = UInt32(14 - halfExponent)
            var half = mantissa >> shift
            let remainder = mantissa & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            if remainder > halfway || (remainder == halfway && (half & 1) == 1) { half += 1 }
            return sign | UInt16(half)
        }
        var half = UInt32(halfExponent) << 10 | (mantissa >> 13)
        let remainder = mantissa & 0x1FFF
        if remainder > 0x1000 || (remainder == 0x1000 && (half & 1) == 1) { half += 1 }
        return sign | UInt16(half)  // a carry into the exponent rounds up correctly, up to infinity
    }

    /// IEEE binary16 bits → f32 (exact).
    @inlinable
    public static func float(fromHalf half: UInt16) -> Float {
        let sign = UInt32(half & 0x8000) << 16
        let exponent = UInt32(half >> 10) & 0x1F
        let mantissa = UInt32(half & 0x3FF)
        if exponent == 0 {
            // zero or subnormal: mantissa × 2^-24
            let magnitude = Float(mantissa) * Float(bitPattern: 0x3380_0000)
            return sign == 0 ? magnitude : -magnitude
        }
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// f32 → bfloat16 bits, round to nearest even (NaN stays NaN).
    @inlinable
    public static func bfloatBits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(bits >> 16) | 0x40 }
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16((bits &+ rounding) >> 16)
    }

    /// bfloat16 bits → f32 (exact).
    @inlinable
    public static func float(fromBfloat bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// The nearest IEEE half value as an f32 (ties to even; overflow to ±infinity; NaN stays NaN).
    @inlinable
    public static func roundedToHalf(_ value: Float) -> Float {
        value.isNaN ? value : float(fromHalf: halfBits(value))
    }

    /// The nearest bfloat16 value as an f32 (ties to even; NaN stays NaN).
    @inlinable
    public static func roundedToBfloat(_ value: Float) -> Float {
        value.isNaN ? value : float(fromBfloat: bfloatBits(value))
    }
}
