//! Production (§4.1): the year's weather and sown area, pre-harvest estimates, and the harvest
//! with its losses and first uses (seed, feed, storage loss, the commune levy, hiding).

use super::{CommuneCtx, CommuneMonth, Knobs, calendar};
use crate::rng::{self, RngExt, Stream};
use crate::scenario::{Params, WeatherMode};
use crate::world::{MessMode, TeamsMut, World, data};

/// Yield multiplier from disaster shares (affected, seriously affected), before normalising to
/// 1957: `1 − affected_loss·(affected − serious) − serious_loss·serious`.
pub fn weather_index(p: &Params, (affected, serious): (f64, f64)) -> f64 {
    1.0 - p.weather.affected_loss * (affected - serious) - p.weather.serious_loss * serious
}

/// The weather multiplier of `year` relative to 1957, for shares scaled by `weather.scale`.
pub fn weather_of_year(
    p: &Params,
    shares: Option<(f64, f64)>,
    records: &[(u32, (f64, f64))],
) -> f64 {
    let base = records
        .iter()
        .find(|(y, _)| *y == 1957)
        .map_or((0.0, 0.0), |(_, s)| *s);
    let (a, s) = shares.unwrap_or(base);
    let scaled = (
        base.0 + p.weather.scale * (a - base.0),
        base.1 + p.weather.scale * (s - base.1),
    );
    let scaled = (scaled.0.clamp(0.0, 1.0), scaled.1.clamp(0.0, 1.0));
    weather_index(p, scaled) / weather_index(p, base)
}

/// January (or the first month of a run): the year's weather by province and the sown area.
pub fn new_year(world: &mut World, p: &Params, k: &Knobs, seed: u64) {
    let year = k.month.year();
    world.centre.year = year;
    let records = data::weather_years();
    let this_year = records.iter().find(|(y, _)| *y == year).map(|(_, s)| *s);
    for pi in 0..world.n_provinces() {
        let w = match p.weather.mode {
            WeatherMode::Historical => weather_of_year(p, this_year, &records),
            WeatherMode::Neutral => 1.0,
            WeatherMode::Stochastic => {
                let mut r = rng::stream(seed, year, Stream::Weather, pi as u32);
                let pick = r.random_range(0..records.len().max(1));
                weather_of_year(p, records.get(pick).map(|(_, s)| *s), &records)
            }
        };
        world.provinces.weather[pi] = w as f32;
    }
    // Sown area follows the planner's belief that grain is plentiful (§4.1).
    let believed: f64 =
        world.provinces.last_year_report_kg.iter().sum::<f64>() * (1.0 - k.planner_discount);
    let truth = world.centre.last_year_output_kg.max(1.0);
    // Land taken out of grain comes back slowly (labour short, fields exhausted, cash crops):
    // each year only a share `area_recovery` of the gap to normal closes.
    let cut = (1.0 - p.production.area_cut * (believed / truth - 1.0).max(0.0)).max(0.5);
    let previous = world.centre.area;
    let recovered = previous + p.production.area_recovery * (1.0 - previous);
    world.centre.area = cut.min(recovered);
}

/// Output of team `i`'s crop of season `s` at normal harvest losses, for its labour index
/// `labour` (1 = normal) and the commune's weather.
#[inline(always)]
fn potential(
    t: &TeamsMut<'_>,
    i: usize,
    s: usize,
    labour: f64,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
) -> f64 {
    let pr = &p.production;
    let share = if s == 0 {
        pr.summer_share
    } else {
        1.0 - pr.summer_share
    };
    let labour_term = f64::from(k.curves.labour.at(labour as f32));
    let capital_term = f64::from(k.curves.capital.at(t.capital[i]));
    f64::from(t.base_output_kg[i])
        * share
        * ctx.weather
        * k.technique
        * ctx.land_term
        * labour_term
        * capital_term
}

/// The team's pre-harvest estimate (估产): the standing crop judged from labour so far,
/// less what its households mean to hide.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn estimate_team(
    t: &mut TeamsMut<'_>,
    i: usize,
    s: usize,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
) {
    let moy = k.month.month();
    let elapsed = f64::from(if s == 0 { moy - 2 } else { moy - 6 });
    let labour = f64::from(t.season_labour[i]) / elapsed;
    let expected = potential(t, i, s, labour, ctx, p, k) * (1.0 - p.production.loss_base);
    t.report_kg[i] = (expected * (1.0 - hiding_share(t, i))) as f32;
}

/// Share of output team `i` hides: only households that cook for themselves can hide grain.
#[inline(always)]
fn hiding_share(t: &TeamsMut<'_>, i: usize) -> f64 {
    match t.mess[i] {
        MessMode::Household | MessMode::Dissolved => f64::from(t.concealment[i]),
        MessMode::Free | MessMode::Rationed => 0.0,
    }
}

/// Rounds a non-negative amount of grain to whole kg.
#[inline]
pub fn kg(x: f64) -> u64 {
    // Half up. Written without `round` (a library call on baseline x86-64) and through i64,
    // whose conversion is one instruction where u64's is a branchy sequence; `max` (not a
    // branch, which mispredicts) makes non-positive amounts and NaN 0. `y` is then never NaN,
    // so the saturating `as i64` needs only its upper limit: one compare and a select instead
    // of the two of `as` (which also checks for NaN).
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    let y = x.max(0.0) + 0.5;
    // SAFETY: in this branch `0.5 <= y < 2^63`, whose truncation is in range.
    let n = if y < LIMIT {
        unsafe { y.to_int_unchecked::<i64>() }
    } else {
        i64::MAX
    };
    n as u64
}

/// [`kg`] for team-sized amounts, saturating at `u32::MAX`: `kg(x).min(u32::MAX)` for every
/// `x`, NaN and infinities included.
#[inline]
pub fn kg32(x: f64) -> u32 {
    // Limited before the conversion rather than after, so that the conversion is in range and
    // needs none of the saturating `as`'s fix-ups (a compare and two selects, or branches):
    // the truncation of a value above `u32::MAX` would be at least `u32::MAX` anyway.
    let y = (x.max(0.0) + 0.5).min(f64::from(u32::MAX));
    // SAFETY: `y` is within [0.5, u32::MAX], and not NaN (`max` makes NaN 0).
    unsafe { y.to_int_unchecked::<i64>() as u32 }
}

/// [`kg32`] through `i32` rather than `i64`: the same value for every input, in operations
/// that also exist for several values at once (SSE2 and AVX2 convert `f64` to `i32` in
/// vectors, not to `i64`), for loops over a batch of teams.
#[inline(always)]
pub fn kg32_lanes(x: f64) -> u32 {
    const HIGH: f64 = 2_147_483_648.0;
    let y = (x.max(0.0) + 0.5).min(f64::from(u32::MAX));
    // Amounts from 2^31 up are converted less 2^31, which is exact there, and the bit put back.
    let high = y >= HIGH;
    let low = std::hint::select_unpredictable(high, y - HIGH, y);
    // SAFETY: `low` is within [0, 2^31), and not NaN (`max` makes NaN 0).
    let v = unsafe { low.to_int_unchecked::<i32>() } as u32;
    v | u32::from(high) << 31
}

/// Harvests season `s` for team `i`. `farm` is this month's farm labour relative to normal:
/// missing hands leave grain in the field.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn harvest_team(
    t: &mut TeamsMut<'_>,
    i: usize,
    s: usize,
    farm: f64,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
    out: &mut CommuneMonth,
) {
    let pr = &p.production;
    let labour = f64::from(t.season_labour[i]) / calendar::GROWING_MONTHS;
    let pot = potential(t, i, s, labour, ctx, p, k);
    let shortage = (1.0 - farm).max(0.0);
    let loss = (pr.loss_base + f64::from(k.curves.harvest_loss.at(shortage as f32))).min(1.0);
    let y = kg(pot * (1.0 - loss));
    out.harvest_loss_kg += kg(pot) - y.min(kg(pot));
    let seed = kg(pr.seed_share * y as f64);
    let feed = kg(pr.feed_share * y as f64);
    let storage = kg(pr.storage_loss * y as f64);
    // The shares are each at most 0.2 (validated), so these never exceed the harvest.
    let mut net = y - seed - feed - storage;
    // The communist wind (一平二调): a share goes to the commune pool, shared out by headcount.
    let levy = kg(k.communist_wind * net as f64).min(net);
    net -= levy;
    let hidden = kg(hiding_share(t, i) * y as f64).min(net);
    add(&mut t.grain_kg[i], net - hidden);
    add(&mut t.hidden_kg[i], hidden);
    t.report_kg[i] = (y - hidden) as f32;
    // Flexibility: the quota moves toward the procurement share of verified output (§4.5).
    let q = f64::from(t.quota_kg[i]);
    t.quota_kg[i] = kg((1.0 - k.flexibility) * q + k.flexibility * ctx.quota_share * y as f64)
        .min(u64::from(u32::MAX)) as u32;

    out.output_kg += y;
    out.seed_kg += seed;
    out.feed_kg += feed;
    out.storage_loss_kg += storage;
    out.levy_kg += levy;
    out.hidden_new_kg += hidden;
}

/// Shares the commune's pool of levied grain out over its teams by headcount (the
/// "levelling" of 一平二调): rich teams lose, poor teams gain, nothing leaves the commune.
pub fn share_out_levy(t: &mut TeamsMut<'_>, out: &CommuneMonth) {
    let pool = out.levy_kg;
    let people: Vec<u64> = t
        .pop
        .iter()
        .map(|p| p.iter().map(|&n| u64::from(n)).sum())
        .collect();
    let total: u64 = people.iter().sum();
    if pool == 0 || total == 0 {
        return;
    }
    let mut given = 0;
    for (i, &n) in people.iter().enumerate() {
        let share = pool * n / total;
        add(&mut t.grain_kg[i], share);
        given += share;
    }
    // Whole kg left over by the rounding go to the first teams, one each.
    for i in 0..(pool - given) as usize {
        add(&mut t.grain_kg[i % people.len()], 1);
    }
}

/// Adds `x` kg to a stock, saturating (a team never holds 4 million tonnes).
#[inline]
pub fn add(stock: &mut u32, x: u64) {
    *stock = (u64::from(*stock) + x).min(u64::from(u32::MAX)) as u32;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Amounts to round: the edges of every range the conversions treat apart.
    fn amounts() -> Vec<f64> {
        let mut xs = vec![
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            0.0,
            0.49999999999999994,
            0.5,
            1.5,
            2.5,
            -1e300,
            1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            4_294_967_294.5,
            4_294_967_295.0,
            4_294_967_295.5,
            4_294_967_296.0,
            2_147_483_647.0,
            2_147_483_647.5,
            2_147_483_648.0,
            2_147_483_648.5,
            3_000_000_000.7,
            9.3e18,
            9_223_372_036_854_775_807.0,
            9_223_372_036_854_775_807.5,
            9_223_372_036_854_774_784.0,
            18_446_744_073_709_551_615.0,
        ];
        for k in 0..2000 {
            xs.push(k as f64 * 0.25 - 10.0);
            xs.push(1.37f64.powi(k % 80) * (k as f64).sin());
            xs.push(2f64.powi(k % 70) * (k as f64).cos().abs());
        }
        xs
    }

    #[test]
    fn kg_is_the_saturating_conversion_of_half_up() {
        for x in amounts() {
            for y in [x, x.next_up(), x.next_down()] {
                assert_eq!(kg(y), (y.max(0.0) + 0.5) as i64 as u64, "{y}");
            }
        }
    }

    #[test]
    fn kg32_is_kg_limited_to_u32() {
        for x in amounts() {
            for y in [x, x.next_up(), x.next_down()] {
                assert_eq!(kg32(y), kg(y).min(u64::from(u32::MAX)) as u32, "{y}");
                assert_eq!(kg32_lanes(y), kg32(y), "{y}");
            }
        }
    }

    #[test]
    fn weather_is_one_in_1957_and_lower_in_the_disaster_years() {
        let p = crate::scenario::Params::defaults();
        let records = data::weather_years();
        let w = |y| weather_of_year(&p, data::disaster_shares(y), &records);
        assert!((w(1957) - 1.0).abs() < 1e-12);
        assert!((w(1959) - 0.97).abs() < 0.01, "{}", w(1959));
        assert!((w(1960) - 0.92).abs() < 0.01, "{}", w(1960));
        assert!((w(1961) - 0.91).abs() < 0.01, "{}", w(1961));
        assert_eq!(weather_of_year(&p, None, &records), 1.0);
    }
}
