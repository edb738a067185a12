//! Every model parameter in one table: its TOML key, kind, default, allowed range, unit, source
//! and meaning.
//!
//! The validator reads scenario files against this table, `explain` prints it, and the simulation
//! reads the resulting [`Params`]. Adding a parameter means adding one entry here and using it in
//! a phase; nothing else has to change. Section references (§) are to MODEL.md.

use crate::time::Schedule;

/// How a parameter is written in a scenario file.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamKind {
    /// A plain number.
    Number,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Switch,
    /// A number, or a table `{ "YYYY-MM" = number, ... }` of values that hold from each month on.
    /// Only schedules can be changed by `[[events]]`.
    Schedule,
    /// One of the listed words.
    Choice(&'static [&'static str]),
}

/// One parameter's definition.
#[derive(Clone, Copy, Debug)]
pub struct ParamDef {
    pub section: &'static str,
    pub name: &'static str,
    pub kind: ParamKind,
    /// The default as written in a scenario file.
    pub default: &'static str,
    /// Allowed range (inclusive) for numbers and schedules.
    pub min: f64,
    pub max: f64,
    pub unit: &'static str,
    /// Where the default comes from: MODEL.md section and literature tag.
    pub source: &'static str,
    pub doc: &'static str,
}

impl ParamDef {
    /// The dotted key path, e.g. `reporting.inflation`.
    pub fn key(&self) -> String {
        format!("{}.{}", self.section, self.name)
    }
}

/// A parameter whose value is one of a fixed set of words.
pub trait Choice: Copy {
    const NAMES: &'static [&'static str];
    fn from_index(index: usize) -> Self;
    fn name(self) -> &'static str;
}

/// Supplies parameter values; the validator implements it over a scenario file, reporting
/// problems as it goes and answering with the default where a value is missing or bad.
pub trait Resolver {
    fn number(&mut self, def: &'static ParamDef, default: f64) -> f64;
    fn integer(&mut self, def: &'static ParamDef, default: u64) -> u64;
    fn switch(&mut self, def: &'static ParamDef, default: bool) -> bool;
    fn schedule(&mut self, def: &'static ParamDef, default: f64) -> Schedule;
    /// Returns an index into `names`.
    fn choice(
        &mut self,
        def: &'static ParamDef,
        names: &'static [&'static str],
        default: usize,
    ) -> usize;
}

macro_rules! choice_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }
        impl Choice for $name {
            const NAMES: &'static [&'static str] = &[$($text),+];
            fn from_index(index: usize) -> Self {
                const ALL: &[$name] = &[$($name::$variant),+];
                ALL[index]
            }
            fn name(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
    };
}

choice_enum! {
    /// Where the weather multiplier `W` comes from (§4.1).
    WeatherMode {
        /// The official national disaster shares of each year (data/weather.csv).
        Historical = "historical",
        /// Every year as 1957: weather plays no part in the output path.
        Neutral = "neutral",
        /// Each province-year draws the shares of a random year of the record.
        Stochastic = "stochastic",
    }
}

choice_enum! {
    /// What procurement quotas are based on (§4.5).
    Expectation {
        /// Last year's believed output times (1 + plan growth): MQY's inflexible rule.
        LastYearBelief = "last_year_belief",
        /// This season's pre-harvest estimates, which carry the same inflation.
        Estimates = "estimates",
    }
}

macro_rules! param_type {
    (Number) => {
        f64
    };
    (Integer) => {
        u64
    };
    (Switch) => {
        bool
    };
    (Schedule) => {
        Schedule
    };
    (Choice($t:ty)) => {
        $t
    };
}

macro_rules! param_kind {
    (Number) => {
        ParamKind::Number
    };
    (Integer) => {
        ParamKind::Integer
    };
    (Switch) => {
        ParamKind::Switch
    };
    (Schedule) => {
        ParamKind::Schedule
    };
    (Choice($t:ty)) => {
        ParamKind::Choice(<$t as Choice>::NAMES)
    };
}

macro_rules! param_get {
    ($r:ident, $def:ident, Number, $d:expr) => {
        $r.number($def, $d)
    };
    ($r:ident, $def:ident, Integer, $d:expr) => {
        $r.integer($def, $d)
    };
    ($r:ident, $def:ident, Switch, $d:expr) => {
        $r.switch($def, $d)
    };
    ($r:ident, $def:ident, Schedule, $d:expr) => {
        $r.schedule($def, $d)
    };
    ($r:ident, $def:ident, Choice($t:ty), $d:expr) => {
        <$t as Choice>::from_index($r.choice($def, <$t as Choice>::NAMES, $d as usize))
    };
}

macro_rules! param_default_text {
    (Choice($t:ty), $d:expr) => {
        <$t as Choice>::NAMES[$d as usize]
    };
    ($k:ident, $d:expr) => {
        stringify!($d)
    };
}

/// A parameter's resolved value, borrowed from [`Params`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamValue<'a> {
    Number(f64),
    Integer(u64),
    Switch(bool),
    Schedule(&'a Schedule),
    Choice(&'static str),
}

macro_rules! param_value {
    ($v:expr, Number) => {
        ParamValue::Number($v)
    };
    ($v:expr, Integer) => {
        ParamValue::Integer($v)
    };
    ($v:expr, Switch) => {
        ParamValue::Switch($v)
    };
    ($v:expr, Schedule) => {
        ParamValue::Schedule(&$v)
    };
    ($v:expr, Choice($t:ty)) => {
        ParamValue::Choice(Choice::name($v))
    };
}

macro_rules! param_set {
    ($field:expr, Number, $v:expr) => {{
        $field = $v;
        true
    }};
    ($field:expr, $($other:tt)*) => {
        false
    };
}

macro_rules! define_params {
    ($(
        $(#[doc = $sdoc:literal])*
        $section:ident : $Section:ident {
            $(
                $(#[doc = $doc:literal])*
                $field:ident : $kind:ident $(($ct:ty))? = $default:expr,
                    [$min:expr, $max:expr], $unit:literal, $source:literal;
            )*
        }
    )*) => {
        $(
            $(#[doc = $sdoc])*
            #[derive(Clone, Debug)]
            pub struct $Section {
                $( $(#[doc = $doc])* pub $field: param_type!($kind $(($ct))?), )*
            }
        )*

        /// All parameters of a scenario, resolved and validated. Not `Default`: a scenario
        /// always says where its values come from.
        #[derive(Clone, Debug)]
        pub struct Params {
            $( $(#[doc = $sdoc])* pub $section: $Section, )*
        }

        /// The definitions of every parameter, in file order.
        pub const PARAMS: &[ParamDef] = &[
            $( $(
                ParamDef {
                    section: stringify!($section),
                    name: stringify!($field),
                    kind: param_kind!($kind $(($ct))?),
                    default: param_default_text!($kind $(($ct))?, $default),
                    min: $min as f64,
                    max: $max as f64,
                    unit: $unit,
                    source: $source,
                    doc: concat!($($doc, "\n"),*),
                },
            )* )*
        ];

        /// The section names, in file order.
        pub const SECTIONS: &[&str] = &[$(stringify!($section)),*];

        impl Params {
            /// Reads every parameter through `r`.
            pub fn resolve(r: &mut impl Resolver) -> Params {
                let mut index = 0usize;
                $(
                    let $section = $Section {
                        $( $field: {
                            let def: &'static ParamDef = &PARAMS[index];
                            index += 1;
                            param_get!(r, def, $kind $(($ct))?, $default)
                        }, )*
                    };
                )*
                debug_assert_eq!(index, PARAMS.len());
                Params { $($section),* }
            }

            /// Sets the Number parameter `section.name` (as in a scenario file); false if there
            /// is no such Number parameter. For calibration and sweeps, which check ranges
            /// against [`PARAMS`] themselves.
            pub fn set_number(&mut self, key: &str, value: f64) -> bool {
                $( $(
                    if key == concat!(stringify!($section), ".", stringify!($field)) {
                        return param_set!(self.$section.$field, $kind $(($ct))?, value);
                    }
                )* )*
                false
            }

            /// Every parameter's value, in the order of [`PARAMS`].
            pub fn values(&self) -> Vec<ParamValue<'_>> {
                vec![$($(param_value!(self.$section.$field, $kind $(($ct))?),)*)*]
            }
        }
    };
}

define_params! {
    /// Size of the synthetic world (§0.1, §2).
    population: Population {
        /// Share of the national commune count to simulate; per-capita results do not depend on it.
        scale: Number = 1.0, [0.0001, 2.0], "share of 23,500 communes", "§0.1";
        /// Communes in the whole country at scale 1 (1958–61).
        communes: Integer = 23500, [1, 100000], "communes", "§0.1 [V] ~23,500 after the 1958 mergers";
        /// Mean brigades (former cooperatives) per commune.
        brigades_per_commune: Number = 32.0, [2.0, 200.0], "brigades", "§0.1 [V] 750,000 cooperatives / 23,500";
        /// Mean production teams per brigade.
        teams_per_brigade: Number = 4.5, [1.0, 20.0], "teams", "§0.1 [V] ~3.4 M teams";
        /// Log-normal spread of the number of brigades per commune.
        commune_size_sd: Number = 0.3, [0.0, 1.5], "log sd", "[J]";
        /// Log-normal spread of team populations within a province.
        team_size_sd: Number = 0.25, [0.0, 1.5], "log sd", "[J]";
        /// Log-normal spread of team land quality (output per person at normal inputs).
        land_quality_sd: Number = 0.2, [0.0, 1.5], "log sd", "[J]";
        /// Communes per county (the reporting level between commune and province).
        communes_per_county: Number = 12.0, [1.0, 100.0], "communes", "§2 [V] ~2,000 counties";
    }

    /// Grain production (§4.1).
    production: Production {
        /// Elasticity of output with respect to sown area.
        beta_land: Number = 0.45, [0.0, 1.0], "elasticity", "§4.1 [J]";
        /// Elasticity of output with respect to effective farm labour.
        beta_labour: Number = 0.30, [0.0, 1.0], "elasticity", "§4.1 [J]";
        /// Elasticity of output with respect to tools and draft animals.
        beta_capital: Number = 0.10, [0.0, 1.0], "elasticity", "§4.1 [J]";
        /// Elasticity of output with respect to manure (proxied by the draft-animal index).
        beta_fertiliser: Number = 0.15, [0.0, 1.0], "elasticity", "§4.1 [J]";
        /// Exponent of nutrition in labour efficiency, h(Res) = Res^theta_h.
        theta_h: Number = 0.7, [0.0, 2.0], "exponent", "§4.1 [J; Strauss 1986 shape]";
        /// Technique penalty Φ_y (close planting, deep ploughing): multiplies output.
        technique: Schedule = 1.0, [0.5, 1.2], "multiplier", "§4.1 [J] 0.95 in 1958–59, 0.97 in 1960";
        /// Depth of the technique penalty: the share of the scheduled shortfall 1 − Φ_y that
        /// applies (1 = the schedule as written, 0 = no penalty).
        technique_depth: Number = 1.0, [0.0, 3.0], "share of the shortfall", "§4.1 [J] MODEL's range 0.85–1.0 for Φ_y";
        /// Share of annual grain harvested in the summer (June).
        summer_share: Number = 0.25, [0.0, 0.6], "share", "§3 [J] 20–25%";
        /// Harvest loss with enough harvest labour, ℓ0.
        loss_base: Number = 0.02, [0.0, 0.3], "share", "§4.1 [J]";
        /// Extra harvest loss at full labour shortage, ℓ1.
        loss_slope: Number = 0.4, [0.0, 1.0], "share", "§4.1 [J]";
        /// Curvature of harvest loss in the labour shortage, κ.
        loss_curvature: Number = 1.5, [0.5, 4.0], "exponent", "§4.1 [J]";
        /// Sown-area cut per unit of planner over-belief, α_area.
        area_cut: Number = 0.1, [0.0, 0.5], "share per unit ratio", "§4.1 [J] 1.875x belief gives ~9%";
        /// Share of the gap between the sown area and normal that closes each year once the cut
        /// is lifted.
        area_recovery: Number = 0.0, [0.0, 1.0], "share per year", "§4.1 [D] the grain area did not come back in 1960–62: 122.4, 121.4, 121.6 Mha against 116.0 in 1959 and 133.6 in 1957 [R]";
        /// Seed set aside at harvest, as a share of output.
        seed_share: Number = 0.06, [0.0, 0.2], "share", "§5 [J] A.9";
        /// Animal feed at harvest, as a share of output.
        feed_share: Number = 0.05, [0.0, 0.2], "share", "§5 [J] A.9";
        /// Storage and handling loss at harvest, as a share of output.
        storage_loss: Number = 0.03, [0.0, 0.2], "share", "§5 [J] A.9";
        /// Monthly recovery of the tools and draft-animal index toward normal.
        capital_recovery: Number = 0.01, [0.0, 0.2], "share per month", "§4.1 [J]";
        /// Monthly loss of draft animals and pigs per unit of the adults' nutritional deficit (1 − Res).
        capital_hunger_loss: Number = 0.1, [0.0, 1.0], "share per month", "§4.1 [J]";
    }

    /// Weather (§4.1): W = 1 − affected_loss·(affected − serious) − serious_loss·serious, relative to 1957.
    weather: Weather {
        /// Source of the yearly disaster shares.
        mode: Choice(WeatherMode) = 0, [0, 0], "", "§4.1, §0.2";
        /// Multiplies the disaster shares' departure from 1957 (0.5–1.0 in sensitivity runs).
        scale: Number = 1.0, [0.0, 3.0], "multiplier", "A.1.1 [J] shares may be overstated";
        /// Yield loss on affected but not seriously affected area (受灾, ≥10%).
        affected_loss: Number = 0.2, [0.0, 1.0], "share", "A.1.1 [D/J] band midpoint";
        /// Yield loss on seriously affected area (成灾, ≥30%).
        serious_loss: Number = 0.5, [0.0, 1.0], "share", "A.1.1 [D/J] band midpoint";
    }

    /// Labour supply and diversion (§4.2).
    labour: Labour {
        /// Headline: multiplies steel, water-works, other drafts and urban recruitment (0 = none, 1 = historical).
        diversion: Schedule = 1.0, [0.0, 3.0], "multiplier", "§0.2, §4.2";
        /// Sub-knob on the steel campaign draft.
        steel_mult: Number = 1.0, [0.0, 3.0], "multiplier", "§4.2";
        /// Sub-knob on the water-works draft.
        water_mult: Number = 1.0, [0.0, 3.0], "multiplier", "§4.2";
        /// Sub-knob on other drafts (deep ploughing, roads).
        other_mult: Number = 1.0, [0.0, 3.0], "multiplier", "§4.2";
        /// Sub-knob on urban recruitment and return.
        urban_mult: Number = 1.0, [0.0, 3.0], "multiplier", "§4.2";
        /// δ_steel: share of rural labour in furnaces, ore, fuel and transport.
        steel_share: Schedule = 0.0, [0.0, 0.9], "share of labour", "§4.2 [J] peak 0.30 Oct–Nov 1958 (90 M [V])";
        /// δ_water: share of rural labour on irrigation and dams.
        water_share: Schedule = 0.0, [0.0, 0.9], "share of labour", "§4.2 [D] peak 0.40 Jan 1958 (100 M [V])";
        /// δ_other: share of rural labour on other campaigns.
        other_share: Schedule = 0.0, [0.0, 0.9], "share of labour", "§4.2 [J]";
        /// Share of rural working-age people moved to cities each month (negative: sent back).
        urban_recruitment: Schedule = 0.0, [-0.05, 0.05], "share per month", "§4.2 [V] 21 M in 1958; ~20 M back 1961–63 [R]";
        /// Workdays per month.
        workdays: Schedule = 26.0, [10.0, 31.0], "days", "§4.2 [J] 28–30 in campaigns";
        /// Labour participation of men 15–59.
        male_participation: Number = 0.95, [0.0, 1.0], "share", "§4.2 [J]";
        /// Labour participation of women 15–59 (raised by the 1958 mobilisation).
        female_participation: Schedule = 0.6, [0.0, 1.0], "share", "§4.2 [J]";
        /// Labour participation of children 5–14.
        youth_participation: Number = 0.1, [0.0, 1.0], "share", "§4.2 [J]";
        /// Labour participation of people 60 and over.
        elderly_participation: Number = 0.3, [0.0, 1.0], "share", "§4.2 [J]";
        /// λ_mess: cooks and canteen staff per person fed, as labour.
        mess_staff: Number = 0.02, [0.0, 0.2], "workers per person", "§4.2 [J]";
    }

    /// Backyard furnaces by type (§4.8): improvised backyard, traditional small blast furnace,
    /// small modern plant.
    furnaces: Furnaces {
        /// Share of steel-campaign labour at improvised backyard furnaces.
        improvised_labour: Number = 0.80, [0.0, 1.0], "share", "§4.8 [J]";
        /// Share of steel-campaign labour at traditional small blast furnaces.
        traditional_labour: Number = 0.15, [0.0, 1.0], "share", "§4.8 [J]";
        /// Share of steel-campaign labour at small modern plants (50–80 m³).
        modern_labour: Number = 0.05, [0.0, 1.0], "share", "§4.8 [J]";
        /// Pig iron per labour-day at improvised furnaces.
        improvised_kg_per_day: Number = 0.3, [0.0, 20.0], "kg/labour-day", "§4.8 [J]";
        /// Pig iron per labour-day at traditional furnaces.
        traditional_kg_per_day: Number = 2.0, [0.0, 20.0], "kg/labour-day", "§4.8 [J]";
        /// Pig iron per labour-day at small modern plants.
        modern_kg_per_day: Number = 5.0, [0.0, 20.0], "kg/labour-day", "§4.8 [J]";
        /// Usable share of improvised furnaces' iron.
        improvised_usable: Number = 0.1, [0.0, 1.0], "share", "§4.8 [J] 0–0.2";
        /// Usable share of traditional furnaces' iron.
        traditional_usable: Number = 0.65, [0.0, 1.0], "share", "§4.8 [J] 0.5–0.8";
        /// Usable share of small modern plants' iron.
        modern_usable: Number = 0.9, [0.0, 1.0], "share", "§4.8 [J] 0.8–0.95";
        /// m_melt: share of a team's iron implements melted per unit of the commune's steel
        /// draft per month (tools as scrap; lowers the capital index).
        tool_melting: Number = 0.3, [0.0, 1.0], "share per unit draft", "§4.8 [J] ~15–20% of tools over the autumn-1958 campaign";
        /// Wood (or coal equivalent) burnt per kg of pig iron.
        fuel_kg_per_kg: Number = 45.0, [0.0, 200.0], "kg/kg", "§4.8 [J] charcoal smelting, 30–60";
        /// Fuel within reach of a commune at the start, per person (forests, scrub, coal).
        fuel_t_per_person: Number = 1.0, [0.0, 10.0], "t/person", "§4.8 [J] enough for the 1958 campaign in most communes, not for a second one in the zealous";
    }

    /// Water conservancy (§4.11).
    water: Water {
        /// η_w: share of area newly irrigated per unit of water-works labour, counted as
        /// labour-months of the whole workforce (a month with everyone on the dams = 1).
        gain_per_labour_month: Number = 0.006, [0.0, 1.0], "share of area", "§4.11 [D] effective irrigated area 27.3 Mha (1957) → 30.5 Mha (1962) [R] on ~112 Mha of farmland: +2.9% over the ~5 labour-months of the 1957–61 campaigns; 13–29% of the claimed +165–355 M mu";
        /// Extra yield of newly irrigated land.
        yield_gain: Number = 0.3, [0.0, 2.0], "share", "§4.11 [J]";
        /// Share of weather losses that irrigated area avoids.
        protection: Number = 0.5, [0.0, 1.0], "share", "§4.11 [J]";
        /// Months before new works protect the harvest.
        lag_months: Number = 12.0, [0.0, 36.0], "months", "§4.11 [J] 1–2 years";
    }

    /// Incentives and effort (§4.3).
    incentives: Incentives {
        /// Exit rights abolished (1) or kept (0).
        exit_rights_removed: Schedule = 0.0, [0.0, 1.0], "switch", "§4.3 [V Lin 1990]";
        /// Free supply / egalitarian pay in force.
        free_supply: Schedule = 0.0, [0.0, 1.0], "switch", "§4.3";
        /// pd_c: share of team resources transferred without pay (一平二调, the communist wind).
        communist_wind: Schedule = 0.0, [0.0, 0.5], "share", "§4.3 [J] 0.1 Sep 1958–Feb 1959, then 0.03";
        /// pp: private-plot share of land.
        private_plots: Schedule = 0.0, [0.0, 0.3], "share", "§4.3 [V Becker] 5–7% from 1961";
        /// Effort lost when exit rights are removed, χ_exit.
        chi_exit: Number = 0.10, [0.0, 0.5], "share", "§4.3 [J]";
        /// Effort lost under free supply, χ_free.
        chi_free: Number = 0.05, [0.0, 0.5], "share", "§4.3 [J]";
        /// Effort lost per unit of communist wind, χ_wind.
        chi_wind: Number = 0.3, [0.0, 2.0], "per unit share", "§4.3 [J]";
        /// Effort gained per unit of private plots, χ_plot.
        chi_plot: Number = 0.5, [0.0, 2.0], "per unit share", "§4.3 [J]";
    }

    /// The reporting cascade and planner belief (§4.4).
    reporting: Reporting {
        /// Headline: multiplies markups, target pull and peer emulation (0 = honest reports, 1 = historical).
        inflation: Schedule = 1.0, [0.0, 5.0], "multiplier", "§0.2, §4.4";
        /// μ_brigade: brigade markup, scaled by pressure and zeal.
        markup_brigade: Number = 0.03, [0.0, 0.5], "log markup", "§4.4 [J]";
        /// μ_commune.
        markup_commune: Number = 0.06, [0.0, 0.5], "log markup", "§4.4 [J]";
        /// μ_county.
        markup_county: Number = 0.06, [0.0, 0.5], "log markup", "§4.4 [J]";
        /// μ_province.
        markup_province: Number = 0.03, [0.0, 0.5], "log markup", "§4.4 [J]";
        /// λ_T: pull of each level's report toward its share of the plan target.
        target_pull: Schedule = 0.5, [0.0, 1.0], "share of log gap", "§4.4 [J]";
        /// λ_E: pull toward the median reported growth of sibling units.
        peer_emulation: Schedule = 0.3, [0.0, 1.0], "share of log gap", "§4.4 [J]";
        /// Plan target for national grain output (0 = none).
        plan_target_mt: Schedule = 0.0, [0.0, 2000.0], "Mt", "§6 [V] 350 Mt at Beidaihe, 525 Mt at Wuchang";
        /// ν: the planner's discount of reports.
        planner_discount: Schedule = 0.0, [0.0, 0.9], "share", "§4.4 [D/R] 0.33 after Lushan";
        /// Least share of output that households hide before the mess halls (瞒产).
        concealment_min: Number = 0.05, [0.0, 0.5], "share", "§4.6 [J]";
        /// Largest share of output that households hide before the mess halls.
        concealment_max: Number = 0.10, [0.0, 0.5], "share", "§4.6 [J]";
    }

    /// Quotas and extraction (§4.5, §4.6).
    procurement: Procurement {
        /// τ: normal procurement share of expected output.
        rate: Schedule = 0.25, [0.0, 0.9], "share", "§4.5 [D] 1957 gross rate 24.6%";
        /// φ: weight on verified output when quotas are adjusted after the harvest.
        flexibility: Schedule = 0.0, [0.0, 1.0], "share", "§4.5 [J]";
        /// η: how much more is asked of provinces with more expected output per person.
        progressivity: Number = 0.5, [0.0, 2.0], "elasticity", "§4.5 [J; sign V MQY]";
        /// κ_r: extra share asked of radical provinces, per unit of radicalism.
        radical_bonus: Number = 0.03, [0.0, 0.2], "share", "§4.5 [V Kung & Chen]";
        /// What expected output the quota is based on.
        expectation: Choice(Expectation) = 0, [0, 0], "", "§4.5";
        /// g_plan: planned growth over last year's believed output.
        plan_growth: Schedule = 0.0, [-0.5, 2.0], "share", "§4.5 [J]";
        /// f0: protected retention, raw grain per person per year.
        retention_floor_kg: Number = 180.0, [0.0, 400.0], "kg/person/yr", "§4.6 [R] 1955 three fixes";
        /// Least months of the retention standard the floor protects: the floor covers the rest of
        /// the grain year to October, but never fewer months than this. A summer delivery leaves a
        /// team half a year's standard: the four months to the autumn harvest and two more, since
        /// the autumn crop is procured in its turn (MODEL's floor is a whole year).
        floor_months: Number = 6.0, [0.0, 12.0], "months", "§4.6 [J]; MODEL Floor = f_t·N (12)";
        /// ω_π: how much political pressure lowers the retention floor.
        floor_pressure: Number = 0.5, [0.0, 1.0], "share", "§4.6 [J]";
        /// ζ: share of concealed grain found and seized in procurement months.
        seizure: Schedule = 0.2, [0.0, 1.0], "share", "§4.6 [J] 0.6 in anti-concealment drives";
        /// How strongly a low central stock raises the next season's rate.
        stock_feedback: Number = 0.3, [0.0, 2.0], "share", "§4.7 [J]";
    }

    /// Communal mess halls (§4.9).
    mess_halls: MessHalls {
        /// Headline: allow mess halls at all.
        enabled: Switch = true, [0, 1], "switch", "§0.2";
        /// Share of teams eating in canteens.
        coverage: Schedule = 0.0, [0.0, 1.0], "share of teams", "§4.9 [V] >90% end 1958, ~7x% end 1959";
        /// Months of free supply after a canteen opens, before rationing.
        free_months: Number = 2.0, [0.0, 24.0], "months", "§4.9 [V] about two months";
        /// ω_free: overconsumption under free supply.
        overconsumption: Number = 0.3, [0.0, 1.0], "share", "§4.9 [J]";
        /// w_mess: waste, theft and cooking loss in canteens.
        waste: Number = 0.05, [0.0, 0.5], "share", "§4.9 [J]";
        /// ξ: ration of non-workers relative to workers in rationed canteens.
        nonworker_ration: Number = 0.8, [0.0, 1.0], "share", "§4.9 [J]";
        /// ς: extra ration of cadres and canteen staff in canteens.
        cadre_uplift: Number = 0.3, [0.0, 1.0], "share", "§4.9 [J; Dikötter qualitative]";
        /// Share of a canteen team's people who are cadres or staff (besides the cooks).
        cadre_share: Number = 0.02, [0.0, 0.2], "share", "§4.9 [J]";
    }

    /// Consumption and nutrition (§4.9, §4.10).
    nutrition: Nutrition {
        /// c_norm: normal grain ration, raw grain per adult equivalent per day.
        ration_kg: Number = 0.81, [0.2, 2.0], "kg/AE/day", "§4.9 [D] 0.64 kg/person ÷ 0.79 AE/person";
        /// Vegetables, private plots, wild and substitute foods.
        supplement_kcal: Schedule = 150.0, [0.0, 1000.0], "kcal/AE/day", "§4.9 [J] 50–400";
        /// Food from the private plots given back from 1961, per unit of `incentives.private_plots`
        /// (the share of land): added to the supplement, on top of their effect on effort.
        plot_kcal: Number = 3750.0, [0.0, 10000.0], "kcal/AE/day per unit share", "§4.3, §4.10 [D] plots yielding like collective land: 1957 grain output per rural adult equivalent, ~1.25 kg × 3000 kcal a day; private plots are among the reasons mortality fell in 1961 (§4.10)";
        /// Energy in raw grain.
        kcal_per_kg: Number = 3000.0, [2000.0, 4000.0], "kcal/kg", "§4.10 [D]";
        /// Basal metabolic rate of an adult equivalent.
        bmr_kcal: Number = 1500.0, [800.0, 2500.0], "kcal/AE/day", "§4.10 [J] 55 kg adult";
        /// Physical activity level of workers in normal farm months.
        pal_work: Number = 1.6, [1.0, 2.5], "ratio", "§4.10 [J; FAO bands]";
        /// Physical activity level of workers drafted to furnaces and water works (night shifts);
        /// a team's workers average the two by the share drafted.
        pal_campaign: Number = 1.9, [1.0, 2.5], "ratio", "§4.10 [J] 1.8–2.0 in campaign months";
        /// Physical activity level of non-workers.
        pal_rest: Number = 1.6, [1.0, 2.5], "ratio", "§4.10 [J]";
        /// Metabolic adaptation: requirement falls by this share at Res = 0.
        adaptation: Number = 0.15, [0.0, 0.5], "share", "§4.10 [J]";
        /// Energy store of an adult equivalent between full (Res = 1) and empty.
        store_kcal: Number = 100000.0, [10000.0, 500000.0], "kcal/AE", "§4.10 [J]";
        /// Speed of recovery relative to depletion.
        recovery: Number = 0.5, [0.0, 1.0], "share", "§4.10 [J]";
        /// Energy intake below which a person counts as below subsistence.
        subsistence_kcal: Number = 1800.0, [500.0, 3000.0], "kcal/AE/day", "§0.4 [V Dikötter] 1,700–1,900 kcal";
        /// How far the reserves of an age group's intake terciles spread apart as the group's
        /// reserve falls: tercile k has Res + z_k·cv·spread·(1 − Res).
        reserve_spread: Number = 1.0, [0.0, 4.0], "multiplier", "§4.10 [J] interim within-team inequality";
        /// Spread of intake within an age group in normal times.
        intake_cv: Number = 0.15, [0.0, 0.6], "coefficient of variation", "§4.10 [J]";
        /// Spread of intake within an age group under rationed canteens.
        intake_cv_canteen: Number = 0.3, [0.0, 0.6], "coefficient of variation", "§4.10 [J]";
    }

    /// Mortality and fertility (§4.10).
    demography: Demography {
        /// Rural crude death rate of normal times where a province has no 1955–57 data.
        cdr_base: Number = 11.0, [1.0, 50.0], "per 1000", "§4.10 [R] rural CDR ≈ 11‰";
        /// Crude birth rate of normal times where a province has no 1955–57 data.
        cbr_base: Number = 34.0, [1.0, 60.0], "per 1000", "§4.10 [R] 34‰ in 1957";
        /// γ: steepness of the hazard in the reserve deficit below R*.
        gamma: Number = 8.0, [0.0, 30.0], "per unit reserve", "§4.10 [J]";
        /// R*: reserve below which mortality rises.
        r_star: Number = 0.85, [0.0, 1.0], "reserve", "§4.10 [J]";
        /// R_crit: reserve below which starvation deaths set in.
        r_crit: Number = 0.35, [0.0, 1.0], "reserve", "§4.10 [J]";
        /// h_crit: monthly death probability below R_crit.
        h_crit: Number = 0.25, [0.0, 1.0], "per month", "§4.10 [J]";
        /// Famine-hazard multiplier for ages 0–4 and 60+.
        vulnerability: Number = 1.5, [1.0, 5.0], "multiplier", "§4.10 [J]";
        /// Mortality factor in December–March.
        winter_factor: Number = 1.15, [0.5, 2.0], "multiplier", "§4.10 [J]";
        /// Mortality factor in June–September.
        summer_factor: Number = 0.9, [0.5, 2.0], "multiplier", "§4.10 [J]";
        /// θ_b: exponent of the women's reserve in conception.
        theta_b: Number = 3.0, [0.0, 10.0], "exponent", "§4.10 [J]";
        /// Share of conceptions lost per unit of the workforce drafted away from home (couples
        /// separated by the furnace and water-works campaigns).
        separation: Number = 0.5, [0.0, 1.0], "share per unit draft", "§4.10 [J]";
        /// Share of conceptions postponed by hunger that are made up each month once women are
        /// fed again (times Res^θb): the 1962–63 rebound in births.
        catch_up: Number = 0.05, [0.0, 1.0], "share per month", "§4.10 [J] CBR rebound to 37‰ in 1962 [R]";
        /// Urban crude death rate.
        urban_cdr: Schedule = 9.0, [1.0, 60.0], "per 1000", "§4.10 [V] 9.22‰ 1958, 13.77‰ 1960";
        /// Urban crude birth rate.
        urban_cbr: Schedule = 30.0, [1.0, 60.0], "per 1000", "[J]";
    }

    /// The central grain balance (§4.7).
    centre: Centre {
        /// Urban ration, raw grain per urban resident per month.
        urban_ration_kg: Schedule = 18.0, [0.0, 40.0], "kg/person/month", "§4.7 [J] 15–16 kg trade grain";
        /// Army, industry and resales outside grain farming, per year at scale 1.
        other_use_mt: Schedule = 7.0, [0.0, 50.0], "Mt/yr", "§4.7 [J]";
        /// Central stock at the start, at scale 1.
        initial_stock_mt: Number = 20.0, [0.0, 200.0], "Mt", "§4.7 [J]";
        /// Stock the centre aims to hold, at scale 1; below it quotas rise.
        target_stock_mt: Number = 10.0, [0.0, 200.0], "Mt", "§4.7 [J]";
    }

    /// Foreign trade in grain (§4.7).
    trade: Trade {
        /// Net grain exports, at an annual rate.
        exports_mt: Schedule = 0.0, [0.0, 50.0], "Mt/yr", "§4.7 [R] 4.2 (1959), 2.7 (1960)";
        /// Grain imports, at an annual rate.
        imports_mt: Schedule = 0.0, [0.0, 50.0], "Mt/yr", "§4.7 [R] 5.8 (1961), ~5 (1962)";
    }

    /// Resales to grain-deficit teams (返销, §4.6).
    relief: Relief {
        /// ρ: share of a team's gap to its need that the state resells the next month.
        resale: Schedule = 0.1, [0.0, 1.0], "share", "§4.6 [J] 0.1 in 1959–60, 0.4 in 1961–62";
    }

    /// Political dynamics (§4.12).
    politics: Politics {
        /// π: national political pressure index.
        pressure: Schedule = 0.0, [0.0, 1.0], "index", "§4.12, §6 [J]";
        /// Commune zeal: z = lognormal(ln(1 + radical_zeal·r_p), zeal_sd).
        radical_zeal: Number = 0.3, [0.0, 2.0], "per unit radicalism", "§4.12 [J]";
        /// Log spread of commune zeal.
        zeal_sd: Number = 0.2, [0.0, 1.0], "log sd", "§4.12 [J]";
        /// p0: chance per procurement season that a commune's cadres are purged when they
        /// delivered less than the quota, times the pressure π.
        purge_rate: Number = 0.05, [0.0, 1.0], "probability", "§4.12 [J]";
        /// Zeal of a purged cadre's successor relative to the predecessor.
        successor_zeal: Number = 1.2, [1.0, 3.0], "multiplier", "§4.12 [J; anti-right-deviation V qualitative]";
    }
}

/// A [`Resolver`] that answers every parameter with its documented default: what a scenario
/// file with no sections gives.
pub struct Defaults;

impl Resolver for Defaults {
    fn number(&mut self, _: &'static ParamDef, default: f64) -> f64 {
        default
    }
    fn integer(&mut self, _: &'static ParamDef, default: u64) -> u64 {
        default
    }
    fn switch(&mut self, _: &'static ParamDef, default: bool) -> bool {
        default
    }
    fn schedule(&mut self, _: &'static ParamDef, default: f64) -> Schedule {
        Schedule::constant(default)
    }
    fn choice(
        &mut self,
        _: &'static ParamDef,
        _: &'static [&'static str],
        default: usize,
    ) -> usize {
        default
    }
}

impl Params {
    /// Every parameter at its documented default.
    pub fn defaults() -> Params {
        Params::resolve(&mut Defaults)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_can_be_set_by_key() {
        let mut p = Params::defaults();
        assert!(p.set_number("demography.gamma", 5.0));
        assert_eq!(p.demography.gamma, 5.0);
        assert!(
            !p.set_number("reporting.inflation", 0.0),
            "a schedule is not a number"
        );
        assert!(!p.set_number("demography.nonsense", 0.0));
    }

    #[test]
    fn keys_are_unique_and_ranges_hold_defaults() {
        let mut keys: Vec<String> = PARAMS.iter().map(ParamDef::key).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "duplicate parameter key");
        for def in PARAMS {
            assert!(!def.doc.trim().is_empty(), "{} has no doc", def.key());
            if matches!(
                def.kind,
                ParamKind::Number | ParamKind::Schedule | ParamKind::Integer
            ) {
                let d: f64 = def.default.parse().unwrap();
                assert!(
                    def.min <= d && d <= def.max,
                    "{} default outside its range",
                    def.key()
                );
            }
        }
    }
}
