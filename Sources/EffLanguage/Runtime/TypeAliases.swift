import EffUnits

/// Foundation also declares `Dimension`; inside this module the name means eff's.
typealias Dimension = EffUnits.Dimension
