//! The historical data compiled into the program (`data/`), and the assumptions that turn it into
//! provinces. See `data/README.md` for sources and what is imputed.

use std::collections::BTreeMap;

const NATIONAL_CSV: &str = include_str!("../../data/history/national.csv");
const PROVINCES_CSV: &str = include_str!("../../data/history/provinces_1955_1957.csv");
const WEATHER_CSV: &str = include_str!("../../data/weather.csv");

/// Rural share assumed for the three municipalities [J].
const MUNICIPAL_RURAL_SHARE: f64 = 0.2;
const MUNICIPALITIES: [&str; 3] = ["Beijing", "Shanghai", "Tianjin"];
/// Name of the aggregate of provinces missing from the panel.
pub const REST_OF_CHINA: &str = "Rest of China";

/// One province as the world builder needs it.
#[derive(Clone, Debug)]
pub struct ProvinceData {
    pub name: String,
    /// Rural population at the start, million.
    pub rural_m: f64,
    /// Grain output per rural person relative to the national mean (1.0 = average).
    pub productivity: f64,
    /// Normal crude death rate, per 1000 (1955–57 mean), if the panel has it.
    pub cdr: Option<f64>,
    /// Normal crude birth rate, per 1000 (1955–57 mean), if the panel has it.
    pub cbr: Option<f64>,
}

/// National totals of the year before the run starts (year-end) and of the start year.
#[derive(Clone, Debug)]
pub struct NationalData {
    pub rural_m: f64,
    pub urban_m: f64,
    /// Official grain output of the start year (1980s yearbook series), Mt.
    pub grain_mt: f64,
    /// Official grain output of the year before the start, Mt.
    pub grain_prev_mt: f64,
}

/// Rows of `national.csv` as (series, year) → value.
fn national_series() -> BTreeMap<(String, String), f64> {
    read_rows(NATIONAL_CSV, |r| {
        Some((
            (r.get(0)?.to_string(), r.get(1)?.to_string()),
            r.get(2)?.parse().ok()?,
        ))
    })
}

fn read_rows<K: Ord, V>(
    text: &str,
    f: impl Fn(&csv::StringRecord) -> Option<(K, V)>,
) -> BTreeMap<K, V> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .filter_map(|r| r.ok())
        .filter_map(|r| f(&r))
        .collect()
}

/// Looks up `series` for `year`, falling back to the nearest year that has it.
fn nearest(map: &BTreeMap<(String, String), f64>, series: &str, year: u32) -> f64 {
    let mut best: Option<(u32, f64)> = None;
    for ((s, y), v) in map {
        if s != series {
            continue;
        }
        let Ok(y) = y.parse::<u32>() else { continue };
        let d = y.abs_diff(year);
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, *v));
        }
    }
    // The compiled-in file has every series this is called with (checked by a test).
    best.map_or(0.0, |(_, v)| v)
}

/// National totals for a run starting in `start_year`.
pub fn national(start_year: u32) -> NationalData {
    let map = national_series();
    NationalData {
        rural_m: nearest(&map, "population_rural", start_year - 1),
        urban_m: nearest(&map, "population_urban", start_year - 1),
        grain_mt: nearest(&map, "grain_output_official_1980s_series", start_year),
        grain_prev_mt: nearest(&map, "grain_output_official_1980s_series", start_year - 1),
    }
}

/// Provinces for a run starting in `start_year`, with Rest of China last.
pub fn provinces(start_year: u32) -> Vec<ProvinceData> {
    let rows: BTreeMap<(String, String, u32), f64> = read_rows(PROVINCES_CSV, |r| {
        let year: u32 = r.get(1)?.parse().ok()?;
        Some((
            (r.get(0)?.to_string(), r.get(2)?.to_string(), year),
            r.get(3)?.parse().ok()?,
        ))
    });
    let names: Vec<String> = {
        let mut v: Vec<String> = rows.keys().map(|(p, _, _)| p.clone()).collect();
        v.dedup();
        v
    };
    let pop_year = (start_year - 1).clamp(1955, 1957);
    let get = |p: &str, var: &str, y: u32| rows.get(&(p.to_string(), var.to_string(), y)).copied();
    let mean3 = |p: &str, var: &str| {
        let v: Vec<f64> = (1955..=1957).filter_map(|y| get(p, var, y)).collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    // Output per person over the two years before the start (within the panel's years).
    let grain_pc = |p: &str| {
        let years = [pop_year.saturating_sub(1).max(1955), pop_year];
        let v: Vec<f64> = years
            .iter()
            .filter_map(|&y| Some(get(p, "grain_output", y)? / get(p, "population", y)?))
            .collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    let nat = national(start_year);
    let map = national_series();
    let national_pop = nearest(&map, "population_total_yearend", pop_year);

    let pops: Vec<f64> = names
        .iter()
        .map(|p| get(p, "population", pop_year).unwrap_or(0.0))
        .collect();
    let rest_pop = (national_pop - pops.iter().sum::<f64>()).max(0.0);
    let is_muni = |p: &str| MUNICIPALITIES.contains(&p);
    let muni_pop: f64 = names
        .iter()
        .zip(&pops)
        .filter(|(n, _)| is_muni(n))
        .map(|(_, p)| p)
        .sum();
    let other_pop = national_pop - muni_pop;
    // One rural share for all non-municipal units so the rural total matches the official one.
    let rural_share =
        ((nat.rural_m - MUNICIPAL_RURAL_SHARE * muni_pop) / other_pop).clamp(0.0, 1.0);

    let known: Vec<f64> = names.iter().filter_map(|p| grain_pc(p)).collect();
    let mean_pc = known.iter().sum::<f64>() / known.len().max(1) as f64;

    let mut out: Vec<ProvinceData> = names
        .iter()
        .zip(&pops)
        .map(|(p, &pop)| ProvinceData {
            name: p.clone(),
            rural_m: pop
                * if is_muni(p) {
                    MUNICIPAL_RURAL_SHARE
                } else {
                    rural_share
                },
            // Output per person → output per rural person, relative to the mean.
            productivity: grain_pc(p).unwrap_or(mean_pc) / mean_pc
                * if is_muni(p) {
                    1.0 / MUNICIPAL_RURAL_SHARE
                } else {
                    1.0 / rural_share
                }
                * rural_share,
            cdr: mean3(p, "cdr_per_1000"),
            cbr: mean3(p, "cbr_per_1000"),
        })
        .collect();
    out.push(ProvinceData {
        name: REST_OF_CHINA.to_string(),
        rural_m: rest_pop * rural_share,
        productivity: 1.0,
        cdr: None,
        cbr: None,
    });
    out
}

/// Official disaster shares (affected, seriously affected) of `year`, if recorded.
pub fn disaster_shares(year: u32) -> Option<(f64, f64)> {
    weather_years()
        .into_iter()
        .find(|(y, _)| *y == year)
        .map(|(_, s)| s)
}

/// Every recorded year with its (affected, seriously affected) shares.
pub fn weather_years() -> Vec<(u32, (f64, f64))> {
    read_rows(WEATHER_CSV, |r| {
        Some((
            r.get(0)?.parse::<u32>().ok()?,
            (r.get(1)?.parse().ok()?, r.get(2)?.parse().ok()?),
        ))
    })
    .into_iter()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provinces_add_up_to_the_national_rural_population() {
        let ps = provinces(1957);
        assert_eq!(ps.len(), 25);
        assert_eq!(ps.last().unwrap().name, REST_OF_CHINA);
        let rural: f64 = ps.iter().map(|p| p.rural_m).sum();
        let nat = national(1957);
        assert!(
            (rural - nat.rural_m).abs() < 0.5,
            "{rural} vs {}",
            nat.rural_m
        );
        assert!((nat.grain_mt - 195.05).abs() < 1e-9);
        assert!((nat.grain_prev_mt - 192.75).abs() < 1e-9);
        assert!(
            ps.iter()
                .all(|p| p.productivity > 0.3 && p.productivity < 4.0),
            "{ps:?}"
        );
        assert!(ps.iter().filter(|p| p.cdr.is_some()).count() >= 24);
    }

    #[test]
    fn weather_covers_the_leap() {
        for y in 1957..=1962 {
            assert!(disaster_shares(y).is_some(), "{y}");
        }
        assert!(disaster_shares(1965).is_none());
    }
}
