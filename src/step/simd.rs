//! The instruction set the team loops run in, chosen once at run time.
//!
//! The release build is portable (baseline x86-64: SSE2). On x86-64 the per-commune work of the
//! two passes is compiled a second time inside a function with AVX2 enabled (x86-64-v3), into
//! which the team phases are inlined, and runs there when the processor has those instructions
//! ([`Simd::run`]); the out-of-line batch kernels are written once and compiled for each level
//! by the `kernel!` macro. Elsewhere (other processors, wasm32) there is only the baseline.
//! An AVX-512 level (x86-64-v4) was measured too, on an AMD Zen 4: no faster than AVX2.
//!
//! The results are the same bits at every level: IEEE addition, multiplication, division and
//! conversions are exactly rounded whatever the vector width; Rust never fuses `a * b + c` into
//! a fused multiply-add of its own accord (the model calls no `mul_add`) nor reorders a float
//! sum; `min`, `max` and the saturating `as` keep their Rust meaning in any instruction set;
//! `exp`, `ln` and `powf` are the same library calls. `tests/integration/simd.rs` runs a
//! scenario at every level this processor has and compares every output byte.
//!
//! `COMMUNE_SIM_SIMD=off` in the environment forces the baseline; the library's callers can
//! choose explicitly with [`crate::step::step_with`] and [`crate::app::simulate_with`].

use std::sync::OnceLock;

/// The environment variable that can make [`Simd::chosen`] pick the portable code: `off` (or
/// `baseline`); anything else, or nothing, picks the best there is.
pub const ENV: &str = "COMMUNE_SIM_SIMD";

/// An instruction-set level the team loops can run in. A value above the baseline exists only
/// where the processor has its instructions (the constructors check), which is what makes
/// running code compiled for it sound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Simd(Level);

/// The levels, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    /// The portable build: SSE2 on x86-64.
    Baseline,
    /// AVX2, FMA, BMI1/2, LZCNT, POPCNT (x86-64-v3).
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Simd {
    /// The portable code, which runs everywhere.
    pub const fn baseline() -> Simd {
        Simd(Level::Baseline)
    }

    /// Every level this processor runs, lowest (the baseline) first.
    pub fn available() -> Vec<Simd> {
        #[allow(unused_mut)]
        let mut levels = vec![Simd::baseline()];
        #[cfg(target_arch = "x86_64")]
        {
            let avx2 = std::is_x86_feature_detected!("avx2")
                && std::is_x86_feature_detected!("fma")
                && std::is_x86_feature_detected!("bmi1")
                && std::is_x86_feature_detected!("bmi2")
                && std::is_x86_feature_detected!("lzcnt")
                && std::is_x86_feature_detected!("popcnt");
            if avx2 {
                levels.push(Simd(Level::Avx2));
            }
        }
        levels
    }

    /// The best level this processor runs.
    pub fn best() -> Simd {
        *Simd::available()
            .last()
            .expect("the baseline is always available")
    }

    /// The level runs use unless told otherwise: the best this processor runs, or the
    /// baseline if [`ENV`] says `off`. Decided once per process.
    pub fn chosen() -> Simd {
        static CHOSEN: OnceLock<Simd> = OnceLock::new();
        *CHOSEN.get_or_init(|| match std::env::var(ENV).unwrap_or_default().trim() {
            "off" | "baseline" => Simd::baseline(),
            _ => Simd::best(),
        })
    }

    /// The level's name: `baseline` or `avx2`.
    pub fn name(self) -> &'static str {
        match self.0 {
            Level::Baseline => "baseline",
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => "avx2",
        }
    }

    /// The level, for [`kernel!`].
    #[inline(always)]
    pub(crate) fn level(self) -> Level {
        self.0
    }

    /// Runs `f` compiled for this level: `f` is inlined into a function with the level's
    /// instructions enabled, and with it the functions it calls that are inlined. Mark the
    /// closure `#[inline(always)]` (LLVM otherwise keeps it out of line, compiled for the
    /// baseline), and the functions it calls too where they must be inlined: a function called
    /// from every level's copy is no longer the only call of it, and LLVM may stop inlining it.
    /// Whatever runs out of line runs as compiled for the baseline, except kernels made with
    /// `kernel!`, which choose their own copy.
    #[inline(always)]
    pub fn run<R>(self, f: impl FnOnce() -> R) -> R {
        match self.0 {
            Level::Baseline => f(),
            // SAFETY: a `Simd` of these levels is made only by `available`, after the
            // processor was found to have every feature the level enables.
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => unsafe { run_avx2(f) },
        }
    }
}

/// `f()` with AVX2 (x86-64-v3) enabled.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
#[inline(never)]
fn run_avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Defines an out-of-line kernel once, compiled for every level: `fn name(args) { body }`
/// becomes `fn name(simd: Simd, args)`, which calls the copy of `body` compiled for `simd`.
/// Each copy is a function of its own (`#[inline(never)]`), so that its reference arguments
/// are known not to overlap, which the vectoriser needs.
macro_rules! kernel {
    (
        $(#[$attr:meta])*
        $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block
    ) => {
        $(#[$attr])*
        #[allow(clippy::too_many_arguments)]
        #[inline(always)]
        $vis fn $name(simd: $crate::step::simd::Simd, $($arg: $ty),*) {
            #[allow(clippy::too_many_arguments)]
            #[inline(always)]
            fn body($($arg: $ty),*) $body

            #[allow(clippy::too_many_arguments)]
            #[inline(never)]
            fn baseline($($arg: $ty),*) {
                body($($arg),*)
            }

            #[cfg(target_arch = "x86_64")]
            #[allow(clippy::too_many_arguments)]
            #[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
            #[inline(never)]
            fn avx2($($arg: $ty),*) {
                body($($arg),*)
            }

            use $crate::step::simd::Level;
            match simd.level() {
                Level::Baseline => baseline($($arg),*),
                // SAFETY: as in `Simd::run`: the processor has the level's features.
                #[cfg(target_arch = "x86_64")]
                Level::Avx2 => unsafe { avx2($($arg),*) },
            }
        }
    };
}
pub(crate) use kernel;
