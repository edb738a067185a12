//! Production (§4.1): the year's weather and sown area, pre-harvest estimates, and the harvest
//! with its losses and first uses (seed, feed, storage loss, the commune levy, hiding).

use super::demography::LANES;
use super::simd::kernel;
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

/// Output of a team's crop of season `s` at normal harvest losses: a team of normal annual
/// output `base_output` (kg) and capital index `capital`, for its labour index `labour`
/// (1 = normal) and the commune's weather.
#[inline(always)]
fn potential(
    base_output: f32,
    capital: f32,
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
    let labour_term = f64::from(k.curves.labour.at_lanes(labour as f32));
    let capital_term = f64::from(k.curves.capital.at_lanes(capital));
    f64::from(base_output)
        * share
        * ctx.weather
        * k.technique
        * ctx.land_term
        * labour_term
        * capital_term
}

/// A team's pre-harvest estimate (估产) of season `s`: the standing crop judged from its
/// labour so far, `season_labour`, less what its households mean to hide.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn estimate(
    base_output: f32,
    capital: f32,
    season_labour: f32,
    mess: MessMode,
    concealment: f32,
    s: usize,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
) -> f32 {
    let moy = k.month.month();
    let elapsed = f64::from(if s == 0 { moy - 2 } else { moy - 6 });
    let labour = f64::from(season_labour) / elapsed;
    let expected =
        potential(base_output, capital, s, labour, ctx, p, k) * (1.0 - p.production.loss_base);
    (expected * (1.0 - hiding_share(mess, concealment))) as f32
}

/// Team `i`'s pre-harvest estimate ([`estimate`]), into its report.
#[inline(always)]
pub fn estimate_team(
    t: &mut TeamsMut<'_>,
    i: usize,
    s: usize,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
) {
    t.report_kg[i] = estimate(
        t.base_output_kg[i],
        t.capital[i],
        t.season_labour[i],
        t.mess[i],
        t.concealment[i],
        s,
        ctx,
        p,
        k,
    );
}

/// [`estimate_team`] for the teams of `t`, a batch of at most [`LANES`]: [`estimate_lanes`] on
/// its columns.
#[inline(always)]
pub fn estimate_batch(t: &mut TeamsMut<'_>, s: usize, ctx: &CommuneCtx, p: &Params, k: &Knobs) {
    estimate_lanes(
        k.simd,
        t.base_output_kg,
        t.capital,
        t.season_labour,
        t.mess,
        t.concealment,
        t.report_kg,
        s,
        ctx,
        p,
        k,
    );
}

kernel! {
/// [`estimate_team`] for the teams of a batch (at most [`LANES`]: the columns' length), in the
/// instruction set `simd`: one loop over the batch, which vectorises.
pub fn estimate_lanes(
    base_output: &[f32],
    capital: &[f32],
    season_labour: &[f32],
    mess: &[MessMode],
    concealment: &[f32],
    report: &mut [f32],
    s: usize,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
) {
    let n = base_output.len().min(LANES);
    let (base_output, capital, season_labour) =
        (&base_output[..n], &capital[..n], &season_labour[..n]);
    let (mess, concealment, report) = (&mess[..n], &concealment[..n], &mut report[..n]);
    for j in 0..n {
        report[j] = estimate(
            base_output[j],
            capital[j],
            season_labour[j],
            mess[j],
            concealment[j],
            s,
            ctx,
            p,
            k,
        );
    }
}
}

/// Share of output a team in regime `mess` hides, whose households would hide `concealment`:
/// only households that cook for themselves can hide grain.
#[inline(always)]
fn hiding_share(mess: MessMode, concealment: f32) -> f64 {
    let own = matches!(mess, MessMode::Household | MessMode::Dissolved);
    std::hint::select_unpredictable(own, f64::from(concealment), 0.0)
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

/// Rounds a non-negative f32 amount of grain to whole kg, half up, saturating at `u32::MAX`:
/// `(x.max(0.0) + 0.5) as u32` for every `x`, NaN and infinities included, in operations that
/// exist for 8 values at once in AVX2 (f32 to i32), for the loops over a batch of teams that
/// work in f32 (the meals and procurement, `consume`).
///
/// As in [`kg32_lanes`], the `+ 0.5` is rounded: from 2^23 to 2^24 (where f32 holds only whole
/// numbers) an odd amount comes out 1 kg higher, within the precision of the f32 amounts
/// themselves; a team's stocks are far below.
#[inline(always)]
pub fn kg32_f32(x: f32) -> u32 {
    const HIGH: f32 = 2_147_483_648.0; // 2^31
    const TOP: f32 = 4_294_967_296.0; // 2^32: `u32::MAX` is not an f32
    const BELOW_HIGH: f32 = 2_147_483_520.0; // the largest f32 below 2^31
    let y = x.max(0.0) + 0.5;
    // Amounts from 2^31 up are converted less 2^31, which is exact there, and the bit put back;
    // amounts of 2^32 and more (which `min` keeps in range for the conversion) saturate.
    let high = y >= HIGH;
    let low = std::hint::select_unpredictable(high, y - HIGH, y).min(BELOW_HIGH);
    // SAFETY: `low` is within [0, 2^31), and not NaN (`max` makes NaN 0).
    let v = unsafe { low.to_int_unchecked::<i32>() } as u32 | u32::from(high) << 31;
    std::hint::select_unpredictable(y >= TOP, u32::MAX, v)
}

/// Share of the crop lost in the field when the farm hands present are `farm` of normal
/// (missing hands leave grain in the field), with the normal losses.
#[inline(always)]
fn loss_share(farm: f64, p: &Params, k: &Knobs) -> f64 {
    let shortage = (1.0 - farm).max(0.0);
    (p.production.loss_base + f64::from(k.curves.harvest_loss.at_lanes(shortage as f32))).min(1.0)
}

/// What one team's harvest adds to the commune's sums, kg.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Harvested {
    pub output: u64,
    pub loss: u64,
    pub seed: u64,
    pub feed: u64,
    pub storage: u64,
    pub levy: u64,
    pub hidden: u64,
}

impl std::ops::AddAssign for Harvested {
    #[inline(always)]
    fn add_assign(&mut self, h: Harvested) {
        self.output += h.output;
        self.loss += h.loss;
        self.seed += h.seed;
        self.feed += h.feed;
        self.storage += h.storage;
        self.levy += h.levy;
        self.hidden += h.hidden;
    }
}

impl Harvested {
    /// Adds the sums to the commune's month.
    fn add_to(&self, out: &mut CommuneMonth) {
        out.output_kg += self.output;
        out.harvest_loss_kg += self.loss;
        out.seed_kg += self.seed;
        out.feed_kg += self.feed;
        out.storage_loss_kg += self.storage;
        out.levy_kg += self.levy;
        out.hidden_new_kg += self.hidden;
    }
}

/// Potentials (and yields) below this take [`split_small`]: every amount of their harvest fits
/// in 31 bits. A team's crop is some hundred tonnes; this is a million.
const SMALL: f64 = 1_073_741_824.0; // 2^30

/// The harvest of a team whose crop would yield `pot` kg at normal losses and yields `raw` kg
/// (before rounding) at this month's losses, and its first uses: seed, feed and storage loss
/// come off; the communist wind levies a share; of the rest the households hide the share
/// `hiding`, the team keeps the other. Updates the team's stocks, quota and report; returns
/// what the commune adds up. For any amounts.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn split(
    pot: f64,
    raw: f64,
    hiding: f64,
    grain: &mut u32,
    hidden_stock: &mut u32,
    quota: &mut u32,
    report: &mut f32,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
) -> Harvested {
    let pr = &p.production;
    let y = kg(raw);
    let loss = kg(pot) - y.min(kg(pot));
    let seed = kg(pr.seed_share * y as f64);
    let feed = kg(pr.feed_share * y as f64);
    let storage = kg(pr.storage_loss * y as f64);
    // The shares are each at most 0.2 (validated), so these never exceed the harvest.
    let mut net = y - seed - feed - storage;
    // The communist wind (一平二调): a share goes to the commune pool, shared out by headcount.
    let levy = kg(k.communist_wind * net as f64).min(net);
    net -= levy;
    let hidden = kg(hiding * y as f64).min(net);
    add(grain, net - hidden);
    add(hidden_stock, hidden);
    *report = (y - hidden) as f32;
    // Flexibility: the quota moves toward the procurement share of verified output (§4.5).
    let q = f64::from(*quota);
    *quota = kg((1.0 - k.flexibility) * q + k.flexibility * ctx.quota_share * y as f64)
        .min(u64::from(u32::MAX)) as u32;
    Harvested {
        output: y,
        loss,
        seed,
        feed,
        storage,
        levy,
        hidden,
    }
}

/// [`split`] for `pot` and `raw` below [`SMALL`], in 32-bit amounts and conversions that
/// vectorise ([`kg32_lanes`]): the same values. `kg` and `kg32_lanes` agree below `u32::MAX`,
/// which the harvest `y` and every share of it stay below (the shares of seed, feed and
/// storage are at most 0.2; the levy and the hidden grain are limited to what is left, which
/// makes `kg32_lanes`'s own limit irrelevant, as it is for the quota, limited to `u32::MAX`
/// anyway); a stock plus an amount below `u32::MAX` saturates as [`add`] does; and `y − hidden`
/// is below 2^31, so it converts to `f32` through `i32` to the same value.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn split_small(
    pot: f64,
    raw: f64,
    hiding: f64,
    grain: &mut u32,
    hidden_stock: &mut u32,
    quota: &mut u32,
    report: &mut f32,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
) -> Harvested {
    let pr = &p.production;
    let y = kg32_lanes(raw);
    let all = kg32_lanes(pot);
    let loss = all - y.min(all);
    let seed = kg32_lanes(pr.seed_share * f64::from(y));
    let feed = kg32_lanes(pr.feed_share * f64::from(y));
    let storage = kg32_lanes(pr.storage_loss * f64::from(y));
    let mut net = y - seed - feed - storage;
    let levy = kg32_lanes(k.communist_wind * f64::from(net)).min(net);
    net -= levy;
    let hidden = kg32_lanes(hiding * f64::from(y)).min(net);
    *grain = grain.saturating_add(net - hidden);
    *hidden_stock = hidden_stock.saturating_add(hidden);
    *report = (y - hidden) as i32 as f32;
    let q = f64::from(*quota);
    *quota = kg32_lanes((1.0 - k.flexibility) * q + k.flexibility * ctx.quota_share * f64::from(y));
    Harvested {
        output: u64::from(y),
        loss: u64::from(loss),
        seed: u64::from(seed),
        feed: u64::from(feed),
        storage: u64::from(storage),
        levy: u64::from(levy),
        hidden: u64::from(hidden),
    }
}

/// Harvests season `s` for team `i`. `farm` is this month's farm labour relative to normal:
/// missing hands leave grain in the field. [`harvest_lanes`] on the team alone.
#[allow(clippy::too_many_arguments)]
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
    let one = i..i + 1;
    harvest_lanes(
        k.simd,
        &t.base_output_kg[one.clone()],
        &t.capital[one.clone()],
        &t.season_labour[one.clone()],
        &t.mess[one.clone()],
        &t.concealment[one.clone()],
        &[farm],
        &mut t.grain_kg[one.clone()],
        &mut t.hidden_kg[one.clone()],
        &mut t.quota_kg[one.clone()],
        &mut t.report_kg[one],
        s,
        ctx,
        p,
        k,
        out,
    );
}

/// Harvests season `s` for the teams of `t`, a batch of at most [`LANES`], whose farm hands this
/// month are `hands`: [`harvest_lanes`] on its columns.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn harvest_batch(
    t: &mut TeamsMut<'_>,
    s: usize,
    hands: &[f64; LANES],
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
    out: &mut CommuneMonth,
) {
    harvest_lanes(
        k.simd,
        t.base_output_kg,
        t.capital,
        t.season_labour,
        t.mess,
        t.concealment,
        hands,
        t.grain_kg,
        t.hidden_kg,
        t.quota_kg,
        t.report_kg,
        s,
        ctx,
        p,
        k,
        out,
    );
}

kernel! {
/// Harvests season `s` for the teams of a batch (at most [`LANES`]: the columns' length), in
/// the instruction set `simd`; `hands` are each team's farm hands this month relative to
/// normal.
///
/// Out of line, so that the columns are known not to overlap, and in straight loops over the
/// batch, which vectorise: each team's potential and losses, then its harvest in 32-bit
/// amounts ([`split_small`]) unless some team's crop is too large for them (never in a real
/// run), when the batch takes [`split`]. The commune's sums are integers, added in any order.
pub fn harvest_lanes(
    base_output: &[f32],
    capital: &[f32],
    season_labour: &[f32],
    mess: &[MessMode],
    concealment: &[f32],
    hands: &[f64],
    grain: &mut [u32],
    hidden: &mut [u32],
    quota: &mut [u32],
    report: &mut [f32],
    s: usize,
    ctx: &CommuneCtx,
    p: &Params,
    k: &Knobs,
    out: &mut CommuneMonth,
) {
    let n = base_output.len().min(LANES);
    let (base_output, capital, season_labour) =
        (&base_output[..n], &capital[..n], &season_labour[..n]);
    let (mess, concealment, hands) = (&mess[..n], &concealment[..n], &hands[..n]);
    let (grain, hidden, quota, report) =
        (&mut grain[..n], &mut hidden[..n], &mut quota[..n], &mut report[..n]);
    let mut pot = [0.0f64; LANES];
    let mut raw = [0.0f64; LANES];
    let mut small = 0usize;
    for j in 0..n {
        let labour = f64::from(season_labour[j]) / calendar::GROWING_MONTHS;
        pot[j] = potential(base_output[j], capital[j], s, labour, ctx, p, k);
        raw[j] = pot[j] * (1.0 - loss_share(hands[j], p, k));
        // NaN is not small.
        small += usize::from(pot[j] < SMALL && raw[j] < SMALL);
    }
    let mut sum = Harvested::default();
    // Two loops rather than a choice of function inside one, which would not vectorise.
    if small == n {
        for j in 0..n {
            let hiding = hiding_share(mess[j], concealment[j]);
            let (g, h, q, r) = (&mut grain[j], &mut hidden[j], &mut quota[j], &mut report[j]);
            sum += split_small(pot[j], raw[j], hiding, g, h, q, r, ctx, p, k);
        }
    } else {
        for j in 0..n {
            let hiding = hiding_share(mess[j], concealment[j]);
            let (g, h, q, r) = (&mut grain[j], &mut hidden[j], &mut quota[j], &mut report[j]);
            sum += split(pot[j], raw[j], hiding, g, h, q, r, ctx, p, k);
        }
    }
    sum.add_to(out);
}
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
    fn kg32_f32_is_the_saturating_conversion_of_half_up() {
        let plain = |y: f32| (y.max(0.0) + 0.5) as u32;
        let mut xs: Vec<f32> = amounts().into_iter().map(|x| x as f32).collect();
        // The f32 edges: 2^23 to 2^24 (whole numbers only), 2^31 and 2^32 (the conversion's
        // limits, less the half), and a sweep over every range of exponents and mantissas.
        for e in [22, 23, 24, 31, 32] {
            let x = 2f32.powi(e);
            xs.extend([
                x,
                x - 0.5,
                x + 1.0,
                x - 1.0,
                x + 3.0,
                x - 128.0,
                x - 256.0,
                x + 512.0,
            ]);
        }
        xs.extend((0..u32::MAX).step_by(4099).map(f32::from_bits));
        for x in xs {
            for y in [x, x.next_up(), x.next_down()] {
                assert_eq!(kg32_f32(y), plain(y), "{y}");
            }
        }
    }

    /// The potential, estimate and harvest of team `i` as they were written before the
    /// batches, in u64 amounts: the reference the batched code must match bit for bit.
    fn reference_potential(
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

    fn reference_hiding(t: &TeamsMut<'_>, i: usize) -> f64 {
        match t.mess[i] {
            MessMode::Household | MessMode::Dissolved => f64::from(t.concealment[i]),
            MessMode::Free | MessMode::Rationed => 0.0,
        }
    }

    fn reference_estimate(
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
        let expected =
            reference_potential(t, i, s, labour, ctx, p, k) * (1.0 - p.production.loss_base);
        t.report_kg[i] = (expected * (1.0 - reference_hiding(t, i))) as f32;
    }

    #[allow(clippy::too_many_arguments)]
    fn reference_harvest(
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
        let pot = reference_potential(t, i, s, labour, ctx, p, k);
        let shortage = (1.0 - farm).max(0.0);
        let loss = (pr.loss_base + f64::from(k.curves.harvest_loss.at(shortage as f32))).min(1.0);
        let y = kg(pot * (1.0 - loss));
        out.harvest_loss_kg += kg(pot) - y.min(kg(pot));
        let seed = kg(pr.seed_share * y as f64);
        let feed = kg(pr.feed_share * y as f64);
        let storage = kg(pr.storage_loss * y as f64);
        let mut net = y - seed - feed - storage;
        let levy = kg(k.communist_wind * net as f64).min(net);
        net -= levy;
        let hidden = kg(reference_hiding(t, i) * y as f64).min(net);
        add(&mut t.grain_kg[i], net - hidden);
        add(&mut t.hidden_kg[i], hidden);
        t.report_kg[i] = (y - hidden) as f32;
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

    /// Teams of every kind: empty and huge crops (up to past `u32::MAX` kg, and around the
    /// limit of the 32-bit path), stocks and quotas up to `u32::MAX`, every regime.
    fn teams(n: usize, seed: u64) -> (crate::world::TeamColumns, Vec<f64>) {
        let mut next = crate::step::tests::generator(seed);
        let mut t = crate::world::TeamColumns::default();
        t.grow(n);
        let mut hands = Vec::new();
        // Every batch of a seed with a huge crop takes the u64 path; the others the 32-bit one.
        let huge = seed.is_multiple_of(3);
        for i in 0..n {
            let amount = crate::step::tests::any_amount;
            t.grain_kg[i] = amount(next());
            t.hidden_kg[i] = amount(next());
            t.quota_kg[i] = amount(next());
            let r = next();
            t.base_output_kg[i] = match r % 5 {
                0 => 0.0,
                1 => (r >> 8) as f32 % 1_000.0,
                2 => (r >> 8) as f32 % 3_000_000.0,
                // Up to 10^15 kg: far past `u32::MAX`, and still summing within `u64` (the
                // commune's sums are checked for overflow in debug builds).
                3 if huge => [1e9, 2e9, 5e9, 1e12, 1e15][(r >> 8) as usize % 5],
                _ => 4.0e8 * ((r >> 8) % 1000) as f32 / 1000.0,
            };
            t.capital[i] = (next() % 2500) as f32 / 1000.0;
            t.season_labour[i] = (next() % 20_000) as f32 / 1000.0;
            t.concealment[i] = (next() % 1000) as f32 / 1000.0;
            t.mess[i] = crate::step::tests::any_mess(next());
            hands.push([0.0, 0.3, 0.999, 1.0, 1.7][(next() % 5) as usize]);
        }
        (t, hands)
    }

    #[test]
    fn batched_harvests_are_the_one_team_formulation_bit_for_bit() {
        use crate::time::Month;
        let mut p = Params::defaults();
        p.incentives.communist_wind = crate::time::Schedule::constant(0.1);
        p.procurement.flexibility = crate::time::Schedule::constant(0.3);
        let ctx = CommuneCtx {
            province: 0,
            zeal: 1.0,
            weather: 0.9,
            quota_share: 0.25,
            fertility: 1.0,
            quota_kg: 0.0,
            drafts: [0.1, 0.1, 0.0],
            urban_recruitment: 0.0,
            land_term: 1.05,
            pal: [1.5; crate::world::N_AGE],
            death_base: [0.001; crate::world::N_AGE],
            tool_melting: 0.0,
            together: 1.0,
        };
        let mut outputs = Vec::new();
        for (year, month) in [(1958, 4), (1958, 6), (1959, 8), (1959, 10), (1960, 10)] {
            let k = Knobs::at(&p, Month::new(year, month), 1.0);
            for (n, seed) in [(LANES, 1), (LANES, 2), (LANES, 3), (7, 4), (1, 6), (70, 5)] {
                let (mut old, hands) = teams(n, seed * 31 + u64::from(month));
                let mut new = old.clone();
                let (mut out_old, mut out_new) = (CommuneMonth::default(), CommuneMonth::default());
                let harvest = calendar::harvest(month);
                let estimate = calendar::estimate(month);
                {
                    let v = &mut old.split(&[0, n as u32])[0];
                    for (i, &farm) in hands.iter().enumerate() {
                        if let Some(s) = harvest {
                            reference_harvest(v, i, s, farm, &ctx, &p, &k, &mut out_old);
                        } else if let Some(s) = estimate {
                            reference_estimate(v, i, s, &ctx, &p, &k);
                        }
                    }
                }
                {
                    let v = &mut new.split(&[0, n as u32])[0];
                    for first in (0..n).step_by(LANES) {
                        let rows = first..n.min(first + LANES);
                        let t = &mut v.slice(rows.clone());
                        if let Some(s) = harvest {
                            harvest_lanes(
                                k.simd,
                                t.base_output_kg,
                                t.capital,
                                t.season_labour,
                                t.mess,
                                t.concealment,
                                &hands[rows],
                                t.grain_kg,
                                t.hidden_kg,
                                t.quota_kg,
                                t.report_kg,
                                s,
                                &ctx,
                                &p,
                                &k,
                                &mut out_new,
                            );
                        } else if let Some(s) = estimate {
                            estimate_lanes(
                                k.simd,
                                t.base_output_kg,
                                t.capital,
                                t.season_labour,
                                t.mess,
                                t.concealment,
                                t.report_kg,
                                s,
                                &ctx,
                                &p,
                                &k,
                            );
                        }
                    }
                }
                let when = format!("{year}-{month}, {n} teams, seed {seed}");
                assert_eq!(format!("{old:?}"), format!("{new:?}"), "{when}");
                assert_eq!(format!("{out_old:?}"), format!("{out_new:?}"), "{when}");
                if harvest.is_some() {
                    outputs.push(out_new.output_kg);
                }
            }
        }
        // Both paths were taken: batches of ordinary crops, and batches of huge ones.
        assert!(outputs.iter().any(|&y| y > 0 && y < 1 << 32), "{outputs:?}");
        assert!(outputs.iter().any(|&y| y > 1 << 40), "{outputs:?}");
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
