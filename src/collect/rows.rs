//! The rows of the output tables. Columns follow field order; every field says its unit.
//! Extensive quantities are totals of the simulated world (see `people_share` in the manifest
//! to scale a reduced run up to the country).

use serde::Serialize;

/// One month of the whole country (`national_monthly.csv`).
#[derive(Clone, Debug, Serialize)]
pub struct NationalMonthRow {
    pub scenario: String,
    pub seed: u64,
    /// `YYYY-MM`.
    pub period: String,
    pub year: u32,
    pub month: u32,
    /// Rural plus urban population at the end of the month, persons.
    pub population: u64,
    pub rural_population: u64,
    pub urban_population: u64,
    /// Births and deaths this month, rural and urban, persons.
    pub births: u64,
    pub deaths: u64,
    /// True output harvested this month, Mt raw grain.
    pub grain_output_mt: f64,
    /// Output reported by the provinces for this month's harvest, Mt.
    pub grain_reported_mt: f64,
    /// The planner's belief of that output, Mt.
    pub grain_believed_mt: f64,
    /// Procurement quota set this month, Mt.
    pub quota_set_mt: f64,
    /// Grain delivered to the state this month, Mt.
    pub procurement_mt: f64,
    /// Grain resold to rural teams this month, Mt.
    pub resales_mt: f64,
    /// Grain eaten in the countryside this month, Mt.
    pub rural_consumption_mt: f64,
    /// Grain lost in canteens to waste, theft and cooking, Mt.
    pub canteen_waste_mt: f64,
    /// Grain held by teams and households at the end of the month, Mt.
    pub rural_grain_stock_mt: f64,
    /// Central grain stock at the end of the month, Mt.
    pub central_stock_mt: f64,
    /// Grain eaten per rural person per day this month, kg.
    pub rural_grain_per_capita_kg_day: f64,
    /// Mean nutritional reserve of rural people, 0–1.
    pub mean_reserve: f64,
    /// People whose energy intake was below subsistence this month.
    pub people_below_subsistence: f64,
    /// People eating in canteens this month.
    pub people_in_canteens: u64,
    /// Shares of rural labour-days: farming, furnaces, water works, other drafts, canteens.
    pub labour_farm_share: f64,
    pub labour_steel_share: f64,
    pub labour_water_share: f64,
    pub labour_other_share: f64,
    pub labour_mess_share: f64,
    /// Rural people moved to cities this month (negative: returned), persons.
    pub migrants_to_cities: i64,
    /// Pig iron made this month as reported, and its usable part, Mt.
    pub pig_iron_reported_mt: f64,
    pub pig_iron_usable_mt: f64,
    /// Net exports and imports this month, Mt.
    pub exports_mt: f64,
    pub imports_mt: f64,
    /// Central needs (urban rations, other uses) the stock could not meet, Mt.
    pub central_shortfall_mt: f64,
    /// Commune cadres purged this month.
    pub purges: u64,
}

/// One year of the whole country (`national_yearly.csv`).
#[derive(Clone, Debug, Serialize)]
pub struct NationalYearRow {
    pub scenario: String,
    pub seed: u64,
    pub year: u32,
    /// Year-end population, rural plus urban, persons.
    pub population: u64,
    pub rural_population: u64,
    pub urban_population: u64,
    /// True grain output, Mt raw grain.
    pub grain_output_mt: f64,
    /// Output as reported by the provinces, Mt.
    pub grain_reported_mt: f64,
    /// Output as the planner believed it, Mt.
    pub grain_believed_mt: f64,
    /// Reported ÷ true output.
    pub reported_to_true: f64,
    /// Quotas set in the year, Mt.
    pub quota_mt: f64,
    /// Gross procurement delivered in the calendar year, Mt.
    pub procurement_mt: f64,
    /// Procurement ÷ true output.
    pub procurement_share: f64,
    /// Quota left undelivered, Mt.
    pub quota_shortfall_mt: f64,
    /// Resales to rural teams, Mt.
    pub resales_mt: f64,
    /// Grain eaten per rural person in the year, kg.
    pub rural_grain_per_capita_kg: f64,
    /// Mean over the months of the people below subsistence.
    pub people_below_subsistence: f64,
    pub births: u64,
    pub deaths: u64,
    /// Births and deaths per 1000 of the mean population (rural and urban).
    pub cbr_per_1000: f64,
    pub cdr_per_1000: f64,
    /// Rural deaths per 1000 of the mean rural population.
    pub rural_cdr_per_1000: f64,
    /// Deaths above the first simulated year's death rate, persons.
    pub excess_deaths: f64,
    /// Share of rural labour-days spent farming.
    pub farm_labour_share: f64,
    /// Pig iron as reported and its usable part, Mt.
    pub pig_iron_reported_mt: f64,
    pub pig_iron_usable_mt: f64,
    /// Labour-days spent on the steel campaign, million.
    pub steel_labour_days_m: f64,
    /// Labour-days spent per tonne of usable iron (0 when less than a tonne was made).
    pub labour_days_per_usable_t: f64,
    /// Commune cadres purged in the year.
    pub purges: u64,
    pub exports_mt: f64,
    pub imports_mt: f64,
    /// Central stock at year end, Mt.
    pub central_stock_mt: f64,
}

/// One year of one province (`provinces_yearly.csv`). Population is rural: the urban population
/// is not divided among provinces.
#[derive(Clone, Debug, Serialize)]
pub struct ProvinceYearRow {
    pub scenario: String,
    pub seed: u64,
    pub year: u32,
    /// Province name as spelt in `data/`.
    pub province: String,
    /// Year-end rural population, persons.
    pub population: u64,
    pub grain_output_mt: f64,
    pub grain_reported_mt: f64,
    pub procurement_mt: f64,
    pub procurement_share: f64,
    /// Grain eaten per rural person in the year, kg.
    pub rural_grain_per_capita_kg: f64,
    pub births: u64,
    pub deaths: u64,
    pub cbr_per_1000: f64,
    pub cdr_per_1000: f64,
    /// Mean over the months of the people below subsistence.
    pub people_below_subsistence: f64,
}

/// One year of one commune (`communes_yearly.csv`).
#[derive(Clone, Debug, Serialize)]
pub struct CommuneYearRow {
    pub scenario: String,
    pub seed: u64,
    pub year: u32,
    pub commune: u32,
    pub province: String,
    pub county: u32,
    pub brigades: u32,
    pub teams: u32,
    /// Cadre zeal of the commune.
    pub zeal: f64,
    /// Year-end population, persons.
    pub population: u64,
    /// True output and procurement, tonnes.
    pub grain_output_t: f64,
    pub procurement_t: f64,
    pub procurement_share: f64,
    /// Grain eaten per person in the year, kg.
    pub grain_per_capita_kg: f64,
    pub births: u64,
    pub deaths: u64,
    pub cdr_per_1000: f64,
    /// Mean share of the commune's people below subsistence over the months.
    pub below_subsistence_share: f64,
}
