//! The synthetic country: provinces, counties, communes, brigades and production teams, stored as
//! columns (struct of arrays) indexed by position, with flat offsets for the hierarchy.
//!
//! `World` does no IO and is not serialisable; it is built once per run by [`build::build`] and
//! then changed only by the phases in `step/`.

pub mod build;
pub mod data;

pub use build::build;

/// Age and sex groups inside a team (§2).
pub const N_AGE: usize = 5;
/// Names of the age groups, for documentation and tests.
pub const AGE_GROUPS: [&str; N_AGE] = ["0-4", "5-14", "men 15-59", "women 15-59", "60+"];
pub const CHILD: usize = 0;
pub const YOUTH: usize = 1;
pub const MEN: usize = 2;
pub const WOMEN: usize = 3;
pub const ELDERLY: usize = 4;
/// Adult-equivalent consumption scales (§4.9) [J].
pub const ADULT_EQUIVALENT: [f32; N_AGE] = [0.4, 0.7, 1.0, 0.85, 0.8];
/// True for the working-age groups.
pub const WORKING: [bool; N_AGE] = [false, false, true, true, false];

/// Mess-hall regime of a team (§4.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum MessMode {
    /// Households cook and eat their own grain.
    #[default]
    Household = 0,
    /// Canteen with free supply ("eat as much as you like").
    Free = 1,
    /// Canteen rationing what the team has left.
    Rationed = 2,
    /// The canteen has closed; households cook again.
    Dissolved = 3,
}

macro_rules! columns {
    ($(#[$meta:meta])* $Cols:ident, $Mut:ident { $($(#[doc = $doc:literal])* $name:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default)]
        pub struct $Cols { $($(#[doc = $doc])* pub $name: Vec<$ty>,)* }

        /// Mutable view of a contiguous range of rows (one commune's).
        pub struct $Mut<'a> { $(pub $name: &'a mut [$ty],)* }

        impl $Mut<'_> {
            /// Number of rows: the shortest column's length (they are all equal). Loops over
            /// `0..rows()` index every column in bounds, which the compiler can see, so it
            /// drops the bounds checks of `column[i]` in the inlined phase functions.
            #[inline]
            pub fn rows(&self) -> usize {
                let n = usize::MAX;
                $(let n = n.min(self.$name.len());)*
                debug_assert!([$(self.$name.len()),*].iter().all(|&l| l == n), "columns of unequal length");
                n
            }

            /// The rows `range` of this view, as a view of their own (whose loops over
            /// `0..rows()` have no bounds checks either).
            #[inline(always)]
            pub fn slice(&mut self, range: std::ops::Range<usize>) -> $Mut<'_> {
                $Mut { $($name: &mut self.$name[range.clone()],)* }
            }
        }

        impl $Cols {
            /// Number of rows.
            pub fn len(&self) -> usize {
                self.columns_len()
            }

            /// True if there are no rows.
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            /// Makes room for `n` more rows.
            pub fn reserve(&mut self, n: usize) {
                $(self.$name.reserve(n);)*
            }

            /// Appends `n` rows of default values.
            pub fn grow(&mut self, n: usize) {
                $(self.$name.resize(self.$name.len() + n, Default::default());)*
            }

            /// `n` rows of default values. The columns whose default is all zero bits are
            /// allocated zeroed (`calloc`), so their pages are zeroed by the kernel when first
            /// written, by whichever thread writes them, rather than all at once here.
            pub fn zeroed(n: usize) -> Self {
                Self { $($name: vec![Default::default(); n],)* }
            }

            /// Keeps the first `n` rows.
            pub fn truncate(&mut self, n: usize) {
                $(self.$name.truncate(n);)*
            }

            /// Splits every column at the given offsets (`offsets[k]..offsets[k + 1]` is part `k`).
            pub fn split<'a>(&'a mut self, offsets: &[u32]) -> Vec<$Mut<'a>> {
                let mut out = Vec::with_capacity(offsets.len().saturating_sub(1));
                $(let mut $name: &'a mut [$ty] = &mut self.$name[..];)*
                for w in offsets.windows(2) {
                    let n = (w[1] - w[0]) as usize;
                    out.push($Mut {
                        $($name: {
                            let (head, tail) = std::mem::take(&mut $name).split_at_mut(n);
                            $name = tail;
                            head
                        },)*
                    });
                }
                out
            }

            fn columns_len(&self) -> usize {
                let lens = [$(self.$name.len()),*];
                debug_assert!(lens.iter().all(|&l| l == lens[0]), "columns of unequal length");
                lens[0]
            }
        }
    };
}

columns! {
    /// Production teams (生产队), the atomic units, sorted by (commune, brigade).
    TeamColumns, TeamsMut {
        /// People by age group.
        pop: [u32; N_AGE],
        /// Nutritional reserve by age group, 0 (exhausted) to 1 (healthy).
        reserve: [f32; N_AGE],
        /// Labour efficiency h(Res) by age group, kept with the reserves so it is computed
        /// once a month.
        efficiency: [f32; N_AGE],
        /// Fractions of a death carried to the next month, by age group (expected deaths are
        /// honoured exactly, without random draws).
        death_carry: [f32; N_AGE],
        /// Pregnancies in the three stages of a nine-month gestation.
        pregnancy: [f32; 3],
        /// Fraction of a birth carried to the next month.
        birth_carry: f32,
        /// Conceptions postponed by hunger, to be made up when women are fed again.
        postponed: f32,
        /// Fraction of a migrant carried to the next month.
        migration_carry: f32,
        /// Collective grain stock, kg.
        grain_kg: u32,
        /// Grain hidden by households (瞒产), kg.
        hidden_kg: u32,
        /// Annual output at normal inputs and 1957 weather, kg (land and its quality).
        base_output_kg: f32,
        /// Normal monthly farm labour, labour-days: the reference for the labour index.
        base_labour: f32,
        /// Effective farm labour accumulated over the growing months of this season, relative to
        /// normal (one normal month = 1).
        season_labour: f32,
        /// Tools and draft animals, relative to 1957.
        capital: f32,
        /// Share of output this team's households hide when they can.
        concealment: f32,
        /// Position in the order in which canteens open (0–1): a team eats in a canteen while
        /// its rank is below the coverage.
        canteen_rank: f32,
        /// Mess-hall regime.
        mess: MessMode,
        /// Months since the team's canteen opened.
        canteen_months: u8,
        /// This team's report for the season (estimate, then post-harvest), kg.
        report_kg: f32,
        /// Procurement quota still to deliver this season, kg.
        quota_kg: u32,
        /// Resale requested at the end of last month, kg.
        resale_request_kg: u32,
    }
}

columns! {
    /// Production brigades (生产大队, the former cooperatives).
    BrigadeColumns, BrigadesMut {
        /// Normal annual output, kg (sum of its teams).
        base_output_kg: f32,
        /// This brigade's report for the season, kg.
        report_kg: f32,
        /// Last year's post-harvest report by season (summer, autumn), kg.
        last_report_kg: [f32; 2],
    }
}

/// People's communes (人民公社). Every Vec has length `n_communes`.
#[derive(Clone, Debug, Default)]
pub struct CommuneColumns {
    pub province: Vec<u16>,
    pub county: Vec<u32>,
    /// Cadre zeal z_c (§4.12).
    pub zeal: Vec<f32>,
    pub base_output_kg: Vec<f64>,
    pub report_kg: Vec<f64>,
    pub last_report_kg: Vec<[f64; 2]>,
    /// Fuel within reach for the furnaces, kg.
    pub fuel_kg: Vec<f64>,
    /// Share of area the water works have been built to irrigate.
    pub works: Vec<f32>,
    /// Share of area newly irrigated and in use: follows `works` with a lag.
    pub irrigation: Vec<f32>,
    /// Cadres purged in this commune so far.
    pub purges: Vec<u16>,
}

/// Counties: the reporting level between commune and province.
#[derive(Clone, Debug, Default)]
pub struct CountyColumns {
    pub province: Vec<u16>,
    /// Zeal of county cadres: the mean of their communes'.
    pub zeal: Vec<f32>,
    pub base_output_kg: Vec<f64>,
    pub report_kg: Vec<f64>,
    pub last_report_kg: Vec<[f64; 2]>,
}

/// Provinces (and the Rest of China aggregate).
#[derive(Clone, Debug, Default)]
pub struct ProvinceColumns {
    pub name: Vec<String>,
    /// Radicalism r_p (§4.12); 0 until the political block gives provinces their scores.
    pub radicalism: Vec<f32>,
    /// Monthly death probability scale, from the province's normal death rate.
    pub mortality_scale: Vec<f32>,
    /// Monthly conception probability per woman 15–59 at full reserve.
    pub fertility: Vec<f32>,
    pub base_output_kg: Vec<f64>,
    /// Province report for the season (estimate, then post-harvest), kg.
    pub report_kg: Vec<f64>,
    pub last_report_kg: Vec<[f64; 2]>,
    /// Reported output of the last complete year, kg (sum of both seasons).
    pub last_year_report_kg: Vec<f64>,
    /// Procurement share of expected output set for this season (§4.5).
    pub quota_share: Vec<f64>,
    /// Weather multiplier of the current year, relative to 1957.
    pub weather: Vec<f32>,
}

/// The flat hierarchy. Brigades of commune `c` are `brigade_offsets[c]..brigade_offsets[c + 1]`;
/// teams of brigade `b` are `team_offsets[b]..team_offsets[b + 1]`; teams of commune `c` are
/// `commune_team_offsets[c]..commune_team_offsets[c + 1]`. Communes of county `k` are
/// `county_offsets[k]..county_offsets[k + 1]`, counties of province `p` are
/// `province_county_offsets[p]..province_county_offsets[p + 1]`.
#[derive(Clone, Debug, Default)]
pub struct Hierarchy {
    pub brigade_offsets: Vec<u32>,
    pub team_offsets: Vec<u32>,
    pub commune_team_offsets: Vec<u32>,
    pub county_offsets: Vec<u32>,
    pub province_county_offsets: Vec<u32>,
}

impl Hierarchy {
    pub fn communes_of_province(&self, p: usize) -> std::ops::Range<usize> {
        let k0 = self.province_county_offsets[p] as usize;
        let k1 = self.province_county_offsets[p + 1] as usize;
        self.county_offsets[k0] as usize..self.county_offsets[k1] as usize
    }
}

/// The centre (§2): what the state holds and believes.
#[derive(Clone, Debug, Default)]
pub struct Centre {
    /// Central grain stock, kg.
    pub stock_kg: f64,
    /// Urban population (not modelled team by team).
    pub urban_pop: f64,
    /// Fractions of urban births and deaths carried to the next month.
    pub urban_birth_carry: f64,
    pub urban_death_carry: f64,
    /// Share of last month's resale requests the centre can pay this month.
    pub resale_fill: f64,
    /// Sown-area multiplier of the current year, from the planner's over-belief (§4.1).
    pub area: f64,
    /// National true output of the last complete year, kg.
    pub last_year_output_kg: f64,
    /// Simulated rural population as a share of the national one: national quantities that are
    /// not built from teams (urban population, central stock, trade) are multiplied by it.
    pub people_share: f64,
    /// The year whose weather and sown area are in force.
    pub year: u32,
    /// True output harvested so far this year, kg.
    pub output_year_kg: f64,
}

/// Everything that changes during a run.
#[derive(Clone, Debug, Default)]
pub struct World {
    pub hierarchy: Hierarchy,
    pub provinces: ProvinceColumns,
    pub counties: CountyColumns,
    pub communes: CommuneColumns,
    pub brigades: BrigadeColumns,
    pub teams: TeamColumns,
    pub centre: Centre,
}

impl World {
    pub fn n_provinces(&self) -> usize {
        self.provinces.name.len()
    }
    pub fn n_counties(&self) -> usize {
        self.counties.province.len()
    }
    pub fn n_communes(&self) -> usize {
        self.communes.province.len()
    }
    pub fn n_brigades(&self) -> usize {
        self.brigades.len()
    }
    pub fn n_teams(&self) -> usize {
        self.teams.len()
    }

    /// Rural population (all teams).
    pub fn rural_population(&self) -> u64 {
        self.teams
            .pop
            .iter()
            .map(|p| p.iter().map(|&n| u64::from(n)).sum::<u64>())
            .sum()
    }

    /// Grain held in teams (collective and hidden), kg.
    pub fn rural_grain_kg(&self) -> u64 {
        self.teams
            .grain_kg
            .iter()
            .zip(&self.teams.hidden_kg)
            .map(|(&g, &h)| u64::from(g) + u64::from(h))
            .sum()
    }
}
