//! Turns each month's results into the output tables: national by month and year, provinces
//! and communes by year. Sums run in commune order, so totals are the same for any thread count.

pub mod fit;
pub mod rows;

pub use rows::{CommuneYearRow, NationalMonthRow, NationalYearRow, ProvinceYearRow};

use crate::step::{CommuneMonth, MonthResult};
use crate::world::World;

const KG_PER_MT: f64 = 1e9;

/// Rounds to 6 decimals: Mt to the tonne, shares to a millionth.
fn r6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Rounds to 3 decimals.
fn r3(x: f64) -> f64 {
    (x * 1e3).round() / 1e3
}

/// `a / b`, or 0 when `b` is 0.
fn ratio(a: f64, b: f64) -> f64 {
    if b != 0.0 { a / b } else { 0.0 }
}

/// Year totals of a group of communes (one commune, a province, or the country).
#[derive(Clone, Debug, Default)]
struct YearSum {
    output: f64,
    reported: f64,
    believed: f64,
    quota: f64,
    procured: f64,
    shortfall: f64,
    resales: f64,
    eaten: f64,
    births: u64,
    deaths: u64,
    /// Sum over months of the mean population in the month (÷ months for the mean).
    pop_months: f64,
    months: u32,
    below: f64,
    pop_end: u64,
    labour_supply: f64,
    labour_farm: f64,
    iron: f64,
    iron_usable: f64,
    labour_steel: f64,
    purges: u64,
}

impl YearSum {
    fn add(&mut self, c: &CommuneMonth) {
        self.output += c.output_kg as f64;
        self.quota += c.quota_kg as f64;
        self.procured += c.procured_kg as f64;
        self.shortfall += c.quota_shortfall_kg as f64;
        self.resales += c.resale_kg as f64;
        self.eaten += c.eaten_kg as f64;
        self.births += c.births;
        self.deaths += c.deaths;
        self.below += c.below_subsistence_thirds as f64 / 3.0;
        self.labour_supply += c.labour_supply;
        self.labour_farm += c.labour_farm;
        self.iron += c.iron_kg;
        self.iron_usable += c.iron_usable_kg;
        self.labour_steel += c.labour_steel;
        self.purges += c.purges;
    }

    /// Closes a month of a group whose populations at the start and end were as given.
    fn close_month(&mut self, pop_start: u64, pop_end: u64) {
        self.pop_months += (pop_start + pop_end) as f64 / 2.0;
        self.months += 1;
        self.pop_end = pop_end;
    }

    fn mean_pop(&self) -> f64 {
        ratio(self.pop_months, f64::from(self.months))
    }

    /// Grain eaten per person over the year, kg (scaled up for part years).
    fn per_capita_kg(&self) -> f64 {
        ratio(self.eaten, self.mean_pop()) * 12.0 / f64::from(self.months.max(1))
    }

    fn per_1000(&self, n: f64) -> f64 {
        ratio(n, self.mean_pop()) * 1000.0 * 12.0 / f64::from(self.months.max(1))
    }
}

/// Collects the output tables as the run goes.
pub struct Recorder {
    scenario: String,
    seed: u64,
    pub monthly: Vec<NationalMonthRow>,
    pub yearly: Vec<NationalYearRow>,
    pub provinces: Vec<ProvinceYearRow>,
    pub communes: Vec<CommuneYearRow>,
    year: u32,
    nation: YearSum,
    urban_births: u64,
    urban_deaths: u64,
    /// Mean total (rural + urban) population over the year's months, summed.
    total_pop_months: f64,
    imports: f64,
    exports: f64,
    province_sums: Vec<YearSum>,
    commune_sums: Vec<YearSum>,
    /// Death rate of the first simulated year, the baseline for excess deaths.
    baseline_cdr: Option<f64>,
    last_urban: u64,
    last_stock: f64,
}

impl Recorder {
    pub fn new(scenario: &str, seed: u64, world: &World) -> Recorder {
        Recorder {
            scenario: scenario.to_string(),
            seed,
            monthly: Vec::new(),
            yearly: Vec::new(),
            provinces: Vec::new(),
            communes: Vec::new(),
            year: 0,
            nation: YearSum::default(),
            urban_births: 0,
            urban_deaths: 0,
            total_pop_months: 0.0,
            imports: 0.0,
            exports: 0.0,
            province_sums: vec![YearSum::default(); world.n_provinces()],
            commune_sums: vec![YearSum::default(); world.n_communes()],
            baseline_cdr: None,
            last_urban: 0,
            last_stock: 0.0,
        }
    }

    /// Records one month. Call after every step, then [`Recorder::finish`] after the last.
    pub fn observe(&mut self, r: &MonthResult, world: &World) {
        let year = r.month.year();
        if self.year != 0 && year != self.year {
            self.close_year(world);
        }
        self.year = year;
        let np = world.n_provinces();
        let mut prov_start = vec![0u64; np];
        let mut prov_end = vec![0u64; np];
        for (c, cm) in r.communes.iter().enumerate() {
            let pi = world.communes.province[c] as usize;
            self.commune_sums[c].add(cm);
            self.commune_sums[c].close_month(cm.pop_start, cm.pop_end);
            self.province_sums[pi].add(cm);
            prov_start[pi] += cm.pop_start;
            prov_end[pi] += cm.pop_end;
        }
        let month_nation = r.national();
        for pi in 0..np {
            self.province_sums[pi].close_month(prov_start[pi], prov_end[pi]);
        }
        let m = &month_nation;
        let ce = &r.centre;
        self.nation.add(m);
        self.nation.close_month(m.pop_start, m.pop_end);
        self.nation.reported += ce.reported_kg;
        self.nation.believed += ce.believed_kg;
        for (pi, rep) in ce.province_reported_kg.iter().enumerate() {
            self.province_sums[pi].reported += rep;
        }
        self.urban_births += ce.urban_births;
        self.urban_deaths += ce.urban_deaths;
        let urban = ce.urban_pop.round() as u64;
        self.total_pop_months += (m.pop_start + m.pop_end) as f64 / 2.0 + ce.urban_pop;
        self.imports += ce.imports_kg;
        self.exports += ce.exports_kg;

        let labour = m.labour_supply;
        let rural = m.pop_end as f64;
        let days = f64::from(r.month.days());
        self.monthly.push(NationalMonthRow {
            scenario: self.scenario.clone(),
            seed: self.seed,
            period: r.month.to_string(),
            year,
            month: r.month.month(),
            population: m.pop_end + urban,
            rural_population: m.pop_end,
            urban_population: urban,
            births: m.births + ce.urban_births,
            deaths: m.deaths + ce.urban_deaths,
            grain_output_mt: r6(m.output_kg as f64 / KG_PER_MT),
            grain_reported_mt: r6(ce.reported_kg / KG_PER_MT),
            grain_believed_mt: r6(ce.believed_kg / KG_PER_MT),
            quota_set_mt: r6(ce.quota_set_kg / KG_PER_MT),
            procurement_mt: r6(m.procured_kg as f64 / KG_PER_MT),
            resales_mt: r6(m.resale_kg as f64 / KG_PER_MT),
            rural_consumption_mt: r6(m.eaten_kg as f64 / KG_PER_MT),
            canteen_waste_mt: r6(m.waste_kg as f64 / KG_PER_MT),
            rural_grain_stock_mt: r6(m.grain_end_kg as f64 / KG_PER_MT),
            central_stock_mt: r6(ce.central_stock_kg / KG_PER_MT),
            rural_grain_per_capita_kg_day: r6(ratio(m.eaten_kg as f64, rural * days)),
            mean_reserve: r6(ratio(m.reserve_sum, rural)),
            people_below_subsistence: (m.below_subsistence_thirds as f64 / 3.0).round(),
            people_in_canteens: m.in_canteens,
            labour_farm_share: r6(ratio(m.labour_farm, labour)),
            labour_steel_share: r6(ratio(m.labour_steel, labour)),
            labour_water_share: r6(ratio(m.labour_water, labour)),
            labour_other_share: r6(ratio(m.labour_other, labour)),
            labour_mess_share: r6(ratio(m.labour_mess, labour)),
            migrants_to_cities: m.migrants,
            pig_iron_reported_mt: r6(m.iron_kg / KG_PER_MT),
            pig_iron_usable_mt: r6(m.iron_usable_kg / KG_PER_MT),
            exports_mt: r6(ce.exports_kg / KG_PER_MT),
            imports_mt: r6(ce.imports_kg / KG_PER_MT),
            central_shortfall_mt: r6(ce.central_shortfall_kg / KG_PER_MT),
            purges: m.purges,
        });
        self.last_urban = urban;
        self.last_stock = ce.central_stock_kg;
    }

    /// Closes the last year.
    pub fn finish(&mut self, world: &World) {
        if self.year != 0 {
            self.close_year(world);
        }
    }

    fn close_year(&mut self, world: &World) {
        let year = self.year;
        let n = std::mem::take(&mut self.nation);
        let deaths = n.deaths + self.urban_deaths;
        let births = n.births + self.urban_births;
        let months = f64::from(n.months.max(1));
        let mean_total = self.total_pop_months / months;
        let annual = 12.0 / months;
        let cdr = ratio(deaths as f64, mean_total) * 1000.0 * annual;
        let baseline = *self.baseline_cdr.get_or_insert(cdr);
        self.yearly.push(NationalYearRow {
            scenario: self.scenario.clone(),
            seed: self.seed,
            year,
            population: n.pop_end + self.last_urban,
            rural_population: n.pop_end,
            urban_population: self.last_urban,
            grain_output_mt: r6(n.output / KG_PER_MT),
            grain_reported_mt: r6(n.reported / KG_PER_MT),
            grain_believed_mt: r6(n.believed / KG_PER_MT),
            reported_to_true: r6(ratio(n.reported, n.output)),
            quota_mt: r6(n.quota / KG_PER_MT),
            procurement_mt: r6(n.procured / KG_PER_MT),
            procurement_share: r6(ratio(n.procured, n.output)),
            quota_shortfall_mt: r6(n.shortfall / KG_PER_MT),
            resales_mt: r6(n.resales / KG_PER_MT),
            rural_grain_per_capita_kg: r3(n.per_capita_kg()),
            people_below_subsistence: (n.below / months).round(),
            births,
            deaths,
            cbr_per_1000: r3(ratio(births as f64, mean_total) * 1000.0 * annual),
            cdr_per_1000: r3(cdr),
            rural_cdr_per_1000: r3(n.per_1000(n.deaths as f64)),
            excess_deaths: (deaths as f64 - baseline / 1000.0 * mean_total / annual).round(),
            farm_labour_share: r6(ratio(n.labour_farm, n.labour_supply)),
            pig_iron_reported_mt: r6(n.iron / KG_PER_MT),
            pig_iron_usable_mt: r6(n.iron_usable / KG_PER_MT),
            steel_labour_days_m: r6(n.labour_steel / 1e6),
            // Undefined (0) in years that made less than a tonne of usable iron.
            labour_days_per_usable_t: if n.iron_usable >= 1000.0 {
                r3(n.labour_steel / (n.iron_usable / 1000.0))
            } else {
                0.0
            },
            purges: n.purges,
            exports_mt: r6(self.exports / KG_PER_MT),
            imports_mt: r6(self.imports / KG_PER_MT),
            central_stock_mt: r6(self.last_stock / KG_PER_MT),
        });
        for (pi, s) in self.province_sums.iter_mut().enumerate() {
            let s = std::mem::take(s);
            self.provinces.push(ProvinceYearRow {
                scenario: self.scenario.clone(),
                seed: self.seed,
                year,
                province: world.provinces.name[pi].clone(),
                population: s.pop_end,
                grain_output_mt: r6(s.output / KG_PER_MT),
                grain_reported_mt: r6(s.reported / KG_PER_MT),
                procurement_mt: r6(s.procured / KG_PER_MT),
                procurement_share: r6(ratio(s.procured, s.output)),
                rural_grain_per_capita_kg: r3(s.per_capita_kg()),
                births: s.births,
                deaths: s.deaths,
                cbr_per_1000: r3(s.per_1000(s.births as f64)),
                cdr_per_1000: r3(s.per_1000(s.deaths as f64)),
                people_below_subsistence: (s.below / f64::from(s.months.max(1))).round(),
            });
        }
        let h = &world.hierarchy;
        for (c, s) in self.commune_sums.iter_mut().enumerate() {
            let s = std::mem::take(s);
            let brigades = h.brigade_offsets[c + 1] - h.brigade_offsets[c];
            let teams = h.commune_team_offsets[c + 1] - h.commune_team_offsets[c];
            self.communes.push(CommuneYearRow {
                scenario: self.scenario.clone(),
                seed: self.seed,
                year,
                commune: c as u32,
                province: world.provinces.name[world.communes.province[c] as usize].clone(),
                county: world.communes.county[c],
                brigades,
                teams,
                zeal: r3(f64::from(world.communes.zeal[c])),
                population: s.pop_end,
                grain_output_t: r3(s.output / 1000.0),
                procurement_t: r3(s.procured / 1000.0),
                procurement_share: r6(ratio(s.procured, s.output)),
                grain_per_capita_kg: r3(s.per_capita_kg()),
                births: s.births,
                deaths: s.deaths,
                cdr_per_1000: r3(s.per_1000(s.deaths as f64)),
                below_subsistence_share: r6(ratio(s.below, s.pop_months)),
            });
        }
        self.urban_births = 0;
        self.urban_deaths = 0;
        self.total_pop_months = 0.0;
        self.imports = 0.0;
        self.exports = 0.0;
    }
}
