//! Seeds of the runs of a sweep, and the design draws of a Morris screening, as pure functions of
//! the master seed and a position: no generator object, no state, so any run can be found (and
//! re-run alone) from its position, whatever the thread count or shard split.
//!
//! The mixing function is SplitMix64's finaliser (Steele, Lea & Flood 2014, as in
//! `java.util.SplittableRandom`), applied in a chain:
//!
//! ```text
//! run seed = splitmix64(splitmix64(splitmix64(master) + point) + replicate) >> 1
//! ```
//!
//! The shift keeps the seed below 2^63, the largest seed a scenario file (a TOML integer) holds.
//! These are hashes, not random streams: every random draw *inside* a simulation still comes
//! from `rng.rs`, keyed by the run's seed.

/// The SplitMix64 finaliser: a bijection of `u64` that scatters neighbouring inputs.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of replicate `replicate` of grid point `point` under `master` (see the module doc).
pub fn run_seed(master: u64, point: u64, replicate: u64) -> u64 {
    let h = splitmix64(splitmix64(splitmix64(master).wrapping_add(point)).wrapping_add(replicate));
    h >> 1
}

/// A number in [0, 1) from (`seed`, `a`, `b`), by the same chain: the design draws of a Morris
/// screening (`a` = trajectory, `b` = draw within it).
pub fn uniform(seed: u64, a: u64, b: u64) -> f64 {
    // A different first step from `run_seed`, so that design draws never equal run seeds.
    let h = splitmix64(
        splitmix64(splitmix64(seed ^ 0x6D6F_7272_6973_0000).wrapping_add(a)).wrapping_add(b),
    );
    // The top 53 bits as a fraction: every value exactly representable, 1 never reached.
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// A whole number in `0..n` from (`seed`, `a`, `b`); 0 when `n` is 0.
pub fn below(seed: u64, a: u64, b: u64, n: usize) -> usize {
    ((uniform(seed, a, b) * n as f64) as usize).min(n.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_the_reference() {
        // The first outputs of SplittableRandom/SplitMix64 seeded with 0 are the finaliser of
        // 1·γ, 2·γ, ...; with our form (add γ, then mix), splitmix64(0) is the first.
        assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(0x9E37_79B9_7F4A_7C15), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn run_seeds_differ_by_position_and_fit_a_scenario_file() {
        let mut seen = std::collections::BTreeSet::new();
        for point in 0..20 {
            for rep in 0..20 {
                let s = run_seed(1, point, rep);
                assert!(s < 1 << 63);
                assert!(seen.insert(s), "duplicate seed at {point},{rep}");
            }
        }
        assert_eq!(run_seed(1, 3, 4), run_seed(1, 3, 4));
        assert_ne!(run_seed(1, 3, 4), run_seed(2, 3, 4));
        // Position is not symmetric: (point 1, replicate 0) is not (point 0, replicate 1).
        assert_ne!(run_seed(7, 1, 0), run_seed(7, 0, 1));
    }

    #[test]
    fn uniforms_are_in_range_and_spread() {
        let xs: Vec<f64> = (0..10_000).map(|i| uniform(5, i / 100, i % 100)).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((mean - 0.5).abs() < 0.01, "{mean}");
        assert!((0..1000).all(|i| below(9, i, 0, 3) < 3));
        assert_eq!(below(9, 0, 0, 0), 0);
    }
}
