//! (Scenario, seed) → World: the synthetic communes, brigades and teams, drawn deterministically
//! from the provincial data and the size distributions of the scenario's `[population]` section.

use super::data::{self, ProvinceData};
use super::*;
use crate::rng::{self, RngExt, Stream};
use crate::scenario::Scenario;
use crate::step::harvest::kg;
use crate::step::{calendar, procure};

/// Age structure of the rural population at the start [R: 1953 census, rounded].
pub const AGE_SHARES: [f64; N_AGE] = [0.155, 0.205, 0.285, 0.28, 0.075];
/// Normal mortality of each age group relative to the crude rate [J: shape of a 1950s life table].
pub const MORTALITY_PROFILE: [f64; N_AGE] = [3.0, 0.3, 0.5, 0.45, 6.0];

/// Builds the world of `scenario` with its seed.
pub fn build(scenario: &Scenario) -> World {
    let p = &scenario.params;
    let start_year = scenario.start.year();
    let provinces = data::provinces(start_year);
    let national = data::national(start_year);

    let n_total =
        ((p.population.communes as f64 * p.population.scale).round() as usize).max(provinces.len());
    let per_province = allocate(
        n_total,
        &provinces.iter().map(|pr| pr.rural_m).collect::<Vec<_>>(),
    );
    let national_rural = national.rural_m * 1e6;
    // Every commune has the national mean population at any scale, so per-capita results do not
    // depend on the scale.
    let people_per_commune = national_rural / p.population.communes as f64;

    let mut w = World::default();
    // The hierarchy above the communes, which takes no draws.
    w.hierarchy.county_offsets.push(0);
    w.hierarchy.province_county_offsets.push(0);
    for (pi, (prov, &n_communes)) in provinces.iter().zip(&per_province).enumerate() {
        add_province(&mut w, prov, scenario);
        let n_counties = ((n_communes as f64 / p.population.communes_per_county).round() as usize)
            .clamp(1, n_communes);
        for k in 0..n_counties {
            let lo = n_communes * k / n_counties;
            let hi = n_communes * (k + 1) / n_counties;
            let county = w.n_counties() as u32;
            let end = w.n_communes() + hi - lo;
            w.communes.province.resize(end, pi as u16);
            w.communes.county.resize(end, county);
            w.counties.province.push(pi as u16);
            w.hierarchy.county_offsets.push(end as u32);
        }
        w.hierarchy
            .province_county_offsets
            .push(w.n_counties() as u32);
    }
    debug_assert_eq!(w.n_communes(), n_total);

    // Room for the expected number of teams, so the columns need not grow.
    let expected_brigades = (n_total as f64 * p.population.brigades_per_commune * 1.1) as usize;
    let expected_teams = (expected_brigades as f64 * p.population.teams_per_brigade) as usize;
    let Drawn {
        zeal,
        weight,
        mut quality,
    } = place_communes(&mut w, scenario, expected_teams);

    let h = &w.hierarchy;
    for k in 0..w.n_counties() {
        let communes = h.county_offsets[k] as usize..h.county_offsets[k + 1] as usize;
        let zeal_sum = zeal[communes.clone()].iter().fold(0.0, |sum, z| sum + z);
        w.counties
            .zeal
            .push((zeal_sum / communes.len().max(1) as f64) as f32);
    }

    // Share each province's people out over its teams in proportion to their weights; each
    // team's land quality becomes its raw normal output (before the national level is set).
    let mut rural_population = 0;
    for (pi, (prov, &n_communes)) in provinces.iter().zip(&per_province).enumerate() {
        let communes = h.communes_of_province(pi);
        let teams = h.commune_team_offsets[communes.start] as usize
            ..h.commune_team_offsets[communes.end] as usize;
        let people = people_per_commune * n_communes as f64;
        let weights = &weight[teams.clone()];
        let total: f64 = weights.iter().sum();
        rural_population += par_sum_chunks(
            &mut w.teams.pop[teams.clone()],
            &mut quality[teams],
            weights,
            |pops, quality, weights| {
                let mut sum = 0u64;
                for ((pop, q), wt) in pops.iter_mut().zip(quality).zip(weights) {
                    let n = (people * wt / total).round().max(1.0) as u32;
                    *pop = split_by_shares(n, &AGE_SHARES);
                    let n_people: u32 = pop.iter().sum();
                    *q *= prov.productivity * f64::from(n_people);
                    sum += u64::from(n_people);
                }
                sum
            },
        );
    }
    drop(weight);

    init_teams(&mut w, scenario, &quality, rural_population, &national);
    drop(quality);
    init_levels(&mut w, scenario, &national, rural_population);
    w
}

/// Communes drawn together: enough to share out over the workers, few enough that the draws
/// waiting to be placed take little memory.
const DRAW_CHUNK: usize = 512;

/// What the build needs of the communes' draws once they are placed, by commune and team.
struct Drawn {
    zeal: Vec<f64>,
    weight: Vec<f64>,
    quality: Vec<f64>,
}

/// Draws every commune of `w` (whose communes have their province and county) and places its
/// brigades and teams, in commune order. Each commune is drawn from its own random stream, so
/// they are drawn in parallel, [`DRAW_CHUNK`] at a time; the offsets of a chunk's teams are
/// added up in commune order, then every commune's teams are written into their rows of
/// columns allocated once (for `expected_teams`, grown only past that), in parallel.
fn place_communes(w: &mut World, scenario: &Scenario, expected_teams: usize) -> Drawn {
    let n = w.n_communes();
    let h = &mut w.hierarchy;
    h.brigade_offsets.push(0);
    h.team_offsets.push(0);
    h.commune_team_offsets.push(0);
    let mut teams = TeamColumns::zeroed(expected_teams);
    let mut weight = vec![0.0f64; expected_teams];
    let mut quality = vec![0.0f64; expected_teams];
    let mut zeal = Vec::with_capacity(n);
    for start in (0..n).step_by(DRAW_CHUNK) {
        let chunk = start..(start + DRAW_CHUNK).min(n);
        let draws = par_map(chunk.clone().collect(), |c| {
            draw_commune(c as u32, scenario)
        });
        for d in &draws {
            zeal.push(d.zeal);
            w.communes.zeal.push(d.zeal as f32);
            for &n_teams in &d.brigades {
                let last = *h.team_offsets.last().unwrap_or(&0);
                h.team_offsets.push(last + n_teams);
            }
            h.brigade_offsets.push((h.team_offsets.len() - 1) as u32);
            h.commune_team_offsets
                .push(*h.team_offsets.last().unwrap_or(&0));
        }
        let end = *h.commune_team_offsets.last().unwrap_or(&0) as usize;
        if end > teams.len() {
            teams.grow(end - teams.len());
            weight.resize(end, 0.0);
            quality.resize(end, 0.0);
        }
        // Rows of the chunk's communes; the leading 0 makes the first part the rows before.
        let offsets: Vec<u32> = std::iter::once(0)
            .chain(h.commune_team_offsets[chunk.start..].iter().copied())
            .collect();
        let rows: Vec<_> = teams
            .split(&offsets)
            .into_iter()
            .skip(1)
            .zip(split_at_offsets(&mut weight, &offsets).into_iter().skip(1))
            .zip(split_at_offsets(&mut quality, &offsets).into_iter().skip(1))
            .zip(draws)
            .collect();
        par_map(rows, |(((t, weight), quality), d)| {
            for (i, team) in d.teams.iter().enumerate() {
                weight[i] = team.weight;
                quality[i] = team.quality;
                t.concealment[i] = team.concealment;
                t.canteen_rank[i] = team.canteen_rank;
                t.death_carry[i] = team.death_carry;
                t.birth_carry[i] = team.birth_carry;
                t.migration_carry[i] = team.migration_carry;
            }
        });
    }
    let n_teams = *h.commune_team_offsets.last().unwrap_or(&0) as usize;
    teams.truncate(n_teams);
    weight.truncate(n_teams);
    quality.truncate(n_teams);
    w.teams = teams;
    w.brigades = BrigadeColumns::zeroed(h.team_offsets.len() - 1);
    Drawn {
        zeal,
        weight,
        quality,
    }
}

/// Splits `v` at the given offsets (`offsets[k]..offsets[k + 1]` is part `k`, the first
/// starting at 0).
fn split_at_offsets<'a, T>(mut v: &'a mut [T], offsets: &[u32]) -> Vec<&'a mut [T]> {
    offsets
        .windows(2)
        .map(|o| {
            let (head, tail) = std::mem::take(&mut v).split_at_mut((o[1] - o[0]) as usize);
            v = tail;
            head
        })
        .collect()
}

/// Maps `f` over `items` in parallel with the `parallel` feature, keeping their order.
fn par_map<I: Send, R: Send>(items: Vec<I>, f: impl Fn(I) -> R + Sync + Send) -> Vec<R> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.into_iter().map(f).collect()
    }
}

/// Calls `f` on matching chunks of `a`, `b` and `c` (of equal length), in parallel with the
/// `parallel` feature, and adds up what it returns. `f` must treat every element alike,
/// whatever its chunk.
fn par_sum_chunks<A: Send, B: Send, C: Sync>(
    a: &mut [A],
    b: &mut [B],
    c: &[C],
    f: impl Fn(&mut [A], &mut [B], &[C]) -> u64 + Sync,
) -> u64 {
    const CHUNK: usize = 4096;
    debug_assert!(a.len() == b.len() && b.len() == c.len());
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        a.par_chunks_mut(CHUNK)
            .zip(b.par_chunks_mut(CHUNK))
            .zip(c.par_chunks(CHUNK))
            .map(|((a, b), c)| f(a, b, c))
            .sum()
    }
    #[cfg(not(feature = "parallel"))]
    {
        a.chunks_mut(CHUNK)
            .zip(b.chunks_mut(CHUNK))
            .zip(c.chunks(CHUNK))
            .map(|((a, b), c)| f(a, b, c))
            .sum()
    }
}

/// One commune as drawn from its random stream.
struct CommuneDraw {
    zeal: f64,
    /// Teams in each brigade.
    brigades: Vec<u32>,
    teams: Vec<TeamDraw>,
}

/// One team's random characteristics.
struct TeamDraw {
    /// Relative population (log-normal, mean 1).
    weight: f64,
    /// Relative land quality (log-normal, mean 1).
    quality: f64,
    concealment: f32,
    canteen_rank: f32,
    death_carry: [f32; N_AGE],
    birth_carry: f32,
    migration_carry: f32,
}

/// Draws commune `c`: zeal, brigades, and the teams' characteristics.
fn draw_commune(c: u32, scenario: &Scenario) -> CommuneDraw {
    let p = &scenario.params;
    let mut r = rng::stream(scenario.seed, 0, Stream::BuildCommune, c);
    // Provinces' radicalism is 0 until the political block scores them (MODEL §4.12).
    let radicalism = 0.0;
    let zeal = ((1.0 + p.politics.radical_zeal * radicalism).ln()
        + p.politics.zeal_sd * rng::normal(&mut r))
    .exp();
    let sd = p.population.commune_size_sd;
    let n_brigades = (p.population.brigades_per_commune
        * (sd * rng::normal(&mut r) - sd * sd / 2.0).exp())
    .round()
    .clamp(1.0, 400.0) as usize;
    let tpb = p.population.teams_per_brigade;
    let (ts, qs) = (p.population.team_size_sd, p.population.land_quality_sd);
    let (cmin, cmax) = (p.reporting.concealment_min, p.reporting.concealment_max);
    let mut brigades = Vec::with_capacity(n_brigades);
    let mut teams = Vec::with_capacity(n_brigades * (tpb.floor() as usize + 1));
    for _ in 0..n_brigades {
        let n_teams = (tpb.floor() as u32 + u32::from(r.random::<f64>() < tpb.fract())).max(1);
        brigades.push(n_teams);
        for _ in 0..n_teams {
            teams.push(TeamDraw {
                weight: (ts * rng::normal(&mut r) - ts * ts / 2.0).exp(),
                quality: (qs * rng::normal(&mut r) - qs * qs / 2.0).exp(),
                concealment: (cmin + (cmax - cmin) * r.random::<f64>()) as f32,
                canteen_rank: r.random::<f32>(),
                // Fractions of people carried between months start uniform, so that
                // whole-person rounding is unbiased from the first month.
                death_carry: std::array::from_fn(|_| r.random::<f32>()),
                birth_carry: r.random::<f32>(),
                migration_carry: r.random::<f32>(),
            });
        }
    }
    CommuneDraw {
        zeal,
        brigades,
        teams,
    }
}

/// Adds a province row with its vital rates.
fn add_province(w: &mut World, prov: &ProvinceData, scenario: &Scenario) {
    let d = &scenario.params.demography;
    let cdr = prov.cdr.unwrap_or(d.cdr_base);
    let cbr = prov.cbr.unwrap_or(d.cbr_base);
    let profile: f64 = AGE_SHARES
        .iter()
        .zip(MORTALITY_PROFILE)
        .map(|(s, m)| s * m)
        .sum();
    // Mean of the monthly seasonal factors (four winter, four summer and four plain months).
    let season_mean = (4.0 * d.winter_factor + 4.0 * d.summer_factor + 4.0) / 12.0;
    w.provinces.name.push(prov.name.clone());
    w.provinces.radicalism.push(0.0);
    w.provinces
        .mortality_scale
        .push((cdr / 1000.0 / 12.0 / profile / season_mean) as f32);
    w.provinces
        .fertility
        .push((cbr / 1000.0 / 12.0 / AGE_SHARES[WOMEN]) as f32);
    w.provinces.base_output_kg.push(0.0);
    w.provinces.report_kg.push(0.0);
    w.provinces.last_report_kg.push([0.0; 2]);
    w.provinces.last_year_report_kg.push(0.0);
    w.provinces.quota_share.push(0.0);
    w.provinces.weather.push(1.0);
}

/// Grain, labour, reserves and pregnancies of every team at the start, from its raw normal
/// output (before the national level is set).
fn init_teams(
    w: &mut World,
    scenario: &Scenario,
    raw: &[f64],
    rural_population: u64,
    national: &data::NationalData,
) {
    let p = &scenario.params;
    let start = scenario.start;
    let people_share = rural_population as f64 / (national.rural_m * 1e6);
    let target_kg = national.grain_mt * 1e9 * people_share / (1.0 - p.production.loss_base);
    let level = target_kg / raw.iter().sum::<f64>().max(1.0);
    let days_left = f64::from(
        (0..months_to_june(start))
            .map(|k| start.plus(k).days())
            .sum::<u32>(),
    );
    let h = &w.hierarchy;
    let communes: Vec<_> = w
        .teams
        .split(&h.commune_team_offsets)
        .into_iter()
        .zip(h.commune_team_offsets.windows(2))
        .zip(&w.communes.province)
        .collect();
    let fertility = &w.provinces.fertility;
    let (lfp, workdays) = start_participation(scenario);
    // The procurement season under way at the start (January: the last of the autumn quota):
    // each team owes what a normal year leaves outstanding, its quota a normal report asks.
    let knobs = crate::step::Knobs::at(p, start, people_share);
    let season = calendar::procured_season(start.month());
    let owed_share = p.procurement.rate.at(start)
        * [p.production.summer_share, 1.0 - p.production.summer_share][season]
        * calendar::still_due(start.month())
        * honest_report_share(p);
    par_map(communes, |((t, range), &pi)| {
        let fert = fertility[pi as usize];
        let raw = &raw[range[0] as usize..range[1] as usize];
        for (i, &raw) in raw.iter().enumerate() {
            let pop = t.pop[i];
            t.base_output_kg[i] = (raw * level) as f32;
            t.base_labour[i] = labour_days(&pop, &lfp, workdays) as f32;
            t.reserve[i] = [1.0; N_AGE];
            t.efficiency[i] = [1.0; N_AGE];
            t.capital[i] = 1.0;
            let conception = pop[WOMEN] as f32 * fert;
            t.pregnancy[i] = [3.0 * conception; 3];
            // Enough grain to eat normally until the summer harvest, with a tenth to spare [J],
            // and at least the retention floor a normal year's procurement leaves, plus the
            // quota still owed; households hold half a year's hidden share of output [J].
            let eq: f64 = pop
                .iter()
                .zip(ADULT_EQUIVALENT)
                .map(|(&n, a)| f64::from(n) * f64::from(a))
                .sum();
            let eat = (eq * p.nutrition.ration_kg * days_left * 1.1).round() as u64;
            let floor = procure::floor_kg(&knobs, pop.iter().sum());
            let owed = kg(owed_share * raw * level);
            t.quota_kg[i] = owed as u32;
            t.grain_kg[i] = (eat.max(floor) + owed) as u32;
            t.hidden_kg[i] = (0.5 * f64::from(t.concealment[i]) * raw * level) as u32;
            // Columns that start at their default (zero) are written anyway, so that their
            // pages are mapped here, in parallel, rather than in the first month.
            t.postponed[i] = 0.0;
            t.season_labour[i] = 0.0;
            t.mess[i] = MessMode::Household;
            t.canteen_months[i] = 0;
            t.report_kg[i] = 0.0;
            t.resale_request_kg[i] = 0;
        }
    });
}

/// What a normal year's report is of a team's normal output: the harvest after normal losses,
/// less the mean share households hide.
pub(crate) fn honest_report_share(p: &crate::scenario::Params) -> f64 {
    (1.0 - p.production.loss_base)
        * (1.0 - (p.reporting.concealment_min + p.reporting.concealment_max) / 2.0)
}

/// Normal monthly labour of a team, labour-days, at the start month's participation and workdays.
pub fn normal_labour(pop: &[u32; N_AGE], scenario: &Scenario) -> f64 {
    let (lfp, workdays) = start_participation(scenario);
    labour_days(pop, &lfp, workdays)
}

/// Participation by age group and workdays of the start month (schedules looked up once, not
/// for every team).
fn start_participation(scenario: &Scenario) -> ([f64; N_AGE], f64) {
    let l = &scenario.params.labour;
    let m = scenario.start;
    (crate::step::labour::participation(l, m), l.workdays.at(m))
}

/// Monthly labour-days of the people `pop` at participation `lfp` and `workdays`.
fn labour_days(pop: &[u32; N_AGE], lfp: &[f64; N_AGE], workdays: f64) -> f64 {
    pop.iter()
        .zip(lfp)
        .map(|(&n, f)| f64::from(n) * f)
        .sum::<f64>()
        * workdays
}

/// Sums of normal output up the hierarchy, last year's reports, and the centre.
fn init_levels(
    w: &mut World,
    scenario: &Scenario,
    national: &data::NationalData,
    rural_population: u64,
) {
    let p = &scenario.params;
    let summer = p.production.summer_share;
    let season_shares = [summer, 1.0 - summer];
    // Reports of the year before the start: normal output less the mean hidden share.
    let honest = honest_report_share(p);
    let h = &w.hierarchy;
    // Each brigade's and commune's sums are added in order, the brigades and communes in
    // parallel.
    let brigade_base = par_map((0..w.n_brigades()).collect(), |b| {
        (h.team_offsets[b] as usize..h.team_offsets[b + 1] as usize)
            .map(|t| f64::from(w.teams.base_output_kg[t]))
            .sum::<f64>()
    });
    for (b, base) in brigade_base.into_iter().enumerate() {
        w.brigades.base_output_kg[b] = base as f32;
        w.brigades.last_report_kg[b] = season_shares.map(|s| (base * s * honest) as f32);
    }
    let communes = par_map((0..w.n_communes()).collect(), |c| {
        let base: f64 = (h.brigade_offsets[c] as usize..h.brigade_offsets[c + 1] as usize)
            .map(|b| f64::from(w.brigades.base_output_kg[b]))
            .sum();
        let people: u32 = team_range(h, c)
            .map(|t| w.teams.pop[t].iter().sum::<u32>())
            .sum();
        (base, people)
    });
    for (base, people) in communes {
        w.communes.base_output_kg.push(base);
        w.communes.report_kg.push(0.0);
        w.communes
            .fuel_kg
            .push(p.furnaces.fuel_t_per_person * 1000.0 * f64::from(people));
        w.communes.works.push(0.0);
        w.communes.irrigation.push(0.0);
        w.communes.purges.push(0);
        w.communes
            .last_report_kg
            .push(season_shares.map(|s| base * s * honest));
    }
    for k in 0..w.n_counties() {
        let base: f64 = (h.county_offsets[k] as usize..h.county_offsets[k + 1] as usize)
            .map(|c| w.communes.base_output_kg[c])
            .sum();
        w.counties.base_output_kg.push(base);
        w.counties.report_kg.push(0.0);
        w.counties
            .last_report_kg
            .push(season_shares.map(|s| base * s * honest));
    }
    let rural = rural_population as f64;
    let people_share = rural / (national.rural_m * 1e6);
    let prev_output = national.grain_prev_mt * 1e9 * people_share;
    let national_base: f64 = w.counties.base_output_kg.iter().sum();
    for pi in 0..w.n_provinces() {
        let base: f64 = (h.province_county_offsets[pi] as usize
            ..h.province_county_offsets[pi + 1] as usize)
            .map(|k| w.counties.base_output_kg[k])
            .sum();
        w.provinces.base_output_kg[pi] = base;
        w.provinces.last_report_kg[pi] = season_shares.map(|s| base * s * honest);
        w.provinces.last_year_report_kg[pi] =
            prev_output * base / national_base * (honest / (1.0 - p.production.loss_base));
    }
    w.centre = Centre {
        stock_kg: p.centre.initial_stock_mt * 1e9 * people_share,
        urban_pop: national.urban_m * 1e6 * people_share,
        urban_birth_carry: 0.0,
        urban_death_carry: 0.0,
        resale_fill: 1.0,
        area: 1.0,
        last_year_output_kg: prev_output,
        people_share,
        year: 0,
        output_year_kg: 0.0,
    };
}

/// Teams of commune `c`.
pub fn team_range(h: &Hierarchy, c: usize) -> std::ops::Range<usize> {
    h.commune_team_offsets[c] as usize..h.commune_team_offsets[c + 1] as usize
}

/// Months from `m` (inclusive) to the next June (exclusive): the months a winter stock must last.
fn months_to_june(m: Month) -> u32 {
    (6 + 12 - m.month()) % 12
}

use crate::time::Month;

/// Splits `total` into integer parts proportional to `weights` (largest remainder; ties go to
/// the first).
pub fn allocate(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    let n = weights.len();
    let mut out = vec![1usize; n];
    let rest = total.saturating_sub(n);
    let exact: Vec<f64> = weights.iter().map(|w| rest as f64 * w / sum).collect();
    let mut given = 0;
    for (o, e) in out.iter_mut().zip(&exact) {
        *o += e.floor() as usize;
        given += e.floor() as usize;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    for &i in order.iter().take(rest - given) {
        out[i] += 1;
    }
    out
}

/// Splits `n` people into groups by shares, exactly (largest remainder; ties go to the
/// first group).
pub fn split_by_shares(n: u32, shares: &[f64; N_AGE]) -> [u32; N_AGE] {
    let exact: [f64; N_AGE] = std::array::from_fn(|a| f64::from(n) * shares[a]);
    // Non-negative and below 2^32, so truncation through i64 (one instruction) is the floor.
    let mut out: [u32; N_AGE] = std::array::from_fn(|a| exact[a] as i64 as u32);
    let left = n - out.iter().sum::<u32>();
    let frac: [f64; N_AGE] = std::array::from_fn(|a| exact[a] - f64::from(out[a]));
    // The `left` groups with the largest remainders get one more: a group's rank is the
    // number of groups ahead of it (larger remainder, or equal and earlier). Counted rather
    // than searched for, which costs mispredicted branches for every team of the country.
    for a in 0..N_AGE {
        // `|` and `&`, not `||` and `&&`, which branch.
        let ahead: u32 = (0..N_AGE)
            .map(|b| u32::from((frac[b] > frac[a]) | ((frac[b] == frac[a]) & (b < a))))
            .sum();
        out[a] += u32::from(ahead < left);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule of `split_by_shares` written as a search: give one to the group with the
    /// largest remainder left (the first of equals), `left` times.
    fn split_by_shares_by_search(n: u32) -> [u32; N_AGE] {
        let exact = AGE_SHARES.map(|s| f64::from(n) * s);
        let mut out = exact.map(|e| e as u32);
        let mut left = n - out.iter().sum::<u32>();
        let mut frac: [f64; N_AGE] = std::array::from_fn(|a| exact[a] - f64::from(out[a]));
        while left > 0 {
            let mut best = 0;
            for a in 1..N_AGE {
                if frac[a] > frac[best] {
                    best = a;
                }
            }
            out[best] += 1;
            frac[best] = -1.0;
            left -= 1;
        }
        out
    }

    #[test]
    fn allocation_is_exact_and_gives_everyone_one() {
        let a = allocate(100, &[1.0, 2.0, 0.0001, 7.0]);
        assert_eq!(a.iter().sum::<usize>(), 100);
        assert!(a.iter().all(|&x| x >= 1));
        assert_eq!(split_by_shares(7, &AGE_SHARES).iter().sum::<u32>(), 7);
        assert_eq!(split_by_shares(153, &AGE_SHARES).iter().sum::<u32>(), 153);
        // Remainders 0.5, 0.5, 0, 0, 0: the two halves go to the first two groups; ties to the
        // first.
        assert_eq!(
            split_by_shares(1, &[0.5, 0.5, 0.0, 0.0, 0.0]),
            [1, 0, 0, 0, 0]
        );
        assert_eq!(
            split_by_shares(3, &[0.25, 0.25, 0.25, 0.25, 0.0]),
            [1, 1, 1, 0, 0]
        );
        for n in 0..2000 {
            assert_eq!(
                split_by_shares(n, &AGE_SHARES),
                split_by_shares_by_search(n)
            );
        }
    }
}
