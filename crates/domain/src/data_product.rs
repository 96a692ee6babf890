//! Data products for data exchanges (数据交易所): the catalogue as data
//! (`data/rules/data-products.toml`) and the de-identified aggregates themselves. Only
//! enterprises that consented are counted (the caller passes only their rows), and a cell of the
//! grain counting fewer than the product's `min_cell` enterprises is left out whole.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::programme::rules::RulesError;

/// The catalogue shipped with Dengta.
pub const BUILTIN_PRODUCTS: &str = include_str!("../../../data/rules/data-products.toml");

/// The smallest suppression threshold a product may declare: below it a cell could be one or two
/// enterprises that know each other's figures.
pub const MIN_CELL_FLOOR: u32 = 3;

/// The queries Dengta can build a product from (a product names one in `source`).
pub const SOURCES: &[&str] = &["assessment_levels"];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "DataProductField")]
pub struct Field {
    pub id: String,
    /// `text`, `integer` or `decimal`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub unit: String,
    pub description: String,
}

/// One product of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataProduct {
    pub id: String,
    pub version: u32,
    pub name: String,
    pub name_en: String,
    pub description: String,
    /// Which query builds it (one of [`SOURCES`]).
    pub source: String,
    /// The fields one row is unique by.
    pub grain: Vec<String>,
    /// Cells counting fewer enterprises are left out.
    pub min_cell: u32,
    /// `monthly`, `quarterly` or `yearly`.
    pub rhythm: String,
    /// The consent an enterprise gives for its data to be counted.
    pub consent_scope: String,
    pub licence: String,
    #[serde(rename = "field")]
    pub fields: Vec<Field>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(rename = "product")]
    products: Vec<DataProduct>,
}

fn invalid(place: &str, problem: impl Into<String>) -> RulesError {
    RulesError::Invalid { place: place.to_owned(), problem: problem.into() }
}

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// The products, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catalogue {
    pub products: Vec<DataProduct>,
}

impl Catalogue {
    /// Parses and validates a catalogue; errors name the product and the field in Chinese.
    pub fn from_toml(text: &str) -> Result<Catalogue, RulesError> {
        let raw: Raw = toml::from_str(text).map_err(|e| RulesError::Parse {
            line: e.span().map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1),
            message: e.message().trim().to_owned(),
        })?;
        for (i, p) in raw.products.iter().enumerate() {
            let place = |what: &str| format!("第{}个数据产品（{}）的{what}", i + 1, p.id);
            if !is_id(&p.id) || raw.products[..i].iter().any(|q| q.id == p.id) {
                return Err(invalid(&place("标识（id）"), "为空、重复或含小写字母、数字、连字符以外的字符"));
            }
            if p.version == 0 || p.name.trim().is_empty() || p.name_en.trim().is_empty() || p.licence.trim().is_empty()
            {
                return Err(invalid(
                    &place("版本、名称或许可（version、name、name_en、licence）"),
                    "不能为空，版本号从1开始",
                ));
            }
            if !SOURCES.contains(&p.source.as_str()) {
                return Err(invalid(
                    &place("来源（source）"),
                    format!("“{}”不是已知来源：{}", p.source, SOURCES.join("、")),
                ));
            }
            if p.min_cell < MIN_CELL_FLOOR {
                return Err(invalid(
                    &place("最小单元（min_cell）"),
                    format!("{} 小于 {MIN_CELL_FLOOR}：单元过小可识别单个企业", p.min_cell),
                ));
            }
            if !matches!(p.rhythm.as_str(), "monthly" | "quarterly" | "yearly") {
                return Err(invalid(
                    &place("更新频率（rhythm）"),
                    format!("“{}”应为 monthly、quarterly 或 yearly", p.rhythm),
                ));
            }
            if !is_id(&p.consent_scope) {
                return Err(invalid(&place("授权范围（consent_scope）"), "不能为空"));
            }
            for (j, f) in p.fields.iter().enumerate() {
                if !is_id(&f.id) || p.fields[..j].iter().any(|g| g.id == f.id) {
                    return Err(invalid(&place(&format!("第{}个字段的标识", j + 1)), format!("“{}”为空或重复", f.id)));
                }
                if !matches!(f.kind.as_str(), "text" | "integer" | "decimal") || f.description.trim().is_empty() {
                    return Err(invalid(
                        &place(&format!("字段“{}”", f.id)),
                        "类型应为 text、integer 或 decimal，说明不能为空",
                    ));
                }
            }
            if p.grain.is_empty() || p.grain.iter().any(|g| !p.fields.iter().any(|f| &f.id == g)) {
                return Err(invalid(&place("粒度（grain）"), "应为已声明字段的非空列表"));
            }
        }
        Ok(Catalogue { products: raw.products })
    }

    pub fn builtin() -> Result<Catalogue, RulesError> {
        Catalogue::from_toml(BUILTIN_PRODUCTS)
            .map_err(|error| RulesError::Builtin { file: "data-products.toml".to_owned(), error: Box::new(error) })
    }

    pub fn get(&self, id: &str) -> Option<&DataProduct> {
        self.products.iter().find(|p| p.id == id)
    }
}

/// One consenting enterprise's submitted assessment (any kind), as the levels product reads it.
#[derive(Clone, Debug)]
pub struct LevelFact {
    pub enterprise_id: i64,
    /// `YYYY-MM`.
    pub month: String,
    /// The city's code (GB/T 2260, 6 digits).
    pub city: String,
    /// GB/T 4754 division, e.g. `C34`.
    pub division: String,
    pub submitted_at: i64,
    pub level: u8,
    pub total_thousandths: i64,
}

/// One row of the levels product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LevelCell {
    pub month: String,
    pub region_code: String,
    pub industry_division: String,
    pub enterprises: u32,
    pub level_1: u32,
    pub level_2: u32,
    pub level_3: u32,
    pub level_4: u32,
    /// Two decimals, e.g. `61.25`.
    pub mean_score: String,
}

/// (enterprises, enterprises per level, sum of the totals in thousandths) of one cell.
type Tally = (u32, [u32; 4], i64);

/// The levels product from the facts: one assessment per enterprise and month (the last one
/// submitted), grouped by month × city × division; cells under `min_cell` enterprises left out.
/// Returns the cells (sorted by the grain) and how many were left out.
pub fn digital_levels(facts: &[LevelFact], min_cell: u32) -> (Vec<LevelCell>, usize) {
    let mut last: BTreeMap<(&str, i64), &LevelFact> = BTreeMap::new();
    for f in facts {
        let slot = last.entry((f.month.as_str(), f.enterprise_id)).or_insert(f);
        if f.submitted_at > slot.submitted_at {
            *slot = f;
        }
    }
    let mut cells: BTreeMap<(&str, &str, &str), Tally> = BTreeMap::new();
    for f in last.values() {
        let c = cells.entry((f.month.as_str(), f.city.as_str(), f.division.as_str())).or_default();
        c.0 += 1;
        if (1..=4).contains(&f.level) {
            c.1[usize::from(f.level - 1)] += 1;
        }
        c.2 += f.total_thousandths;
    }
    let mut out = Vec::new();
    let mut suppressed = 0;
    for ((month, city, division), (n, levels, sum)) in cells {
        if n < min_cell {
            suppressed += 1;
            continue;
        }
        // The mean in hundredths, rounded half up, from thousandths.
        let hundredths = (sum * 100 / i64::from(n) + 500) / 1000;
        out.push(LevelCell {
            month: month.to_owned(),
            region_code: city.to_owned(),
            industry_division: division.to_owned(),
            enterprises: n,
            level_1: levels[0],
            level_2: levels[1],
            level_3: levels[2],
            level_4: levels[3],
            mean_score: format!("{}.{:02}", hundredths / 100, hundredths % 100),
        });
    }
    (out, suppressed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(e: i64, month: &str, division: &str, at: i64, level: u8, total: i64) -> LevelFact {
        LevelFact {
            enterprise_id: e,
            month: month.into(),
            city: "320100".into(),
            division: division.into(),
            submitted_at: at,
            level,
            total_thousandths: total,
        }
    }

    #[test]
    fn the_shipped_catalogue_is_valid() {
        let c = Catalogue::builtin().unwrap();
        let p = c.get("digital-levels-monthly").unwrap();
        assert!(p.min_cell >= MIN_CELL_FLOOR);
        assert_eq!(p.grain, ["month", "region_code", "industry_division"]);
    }

    #[test]
    fn faults_are_named() {
        let good = BUILTIN_PRODUCTS;
        for (from, to, named) in [
            ("min_cell = 5", "min_cell = 2", "min_cell"),
            ("rhythm = \"monthly\"", "rhythm = \"hourly\"", "rhythm"),
            ("source = \"assessment_levels\"", "source = \"secret_sauce\"", "source"),
            (
                "grain = [\"month\", \"region_code\", \"industry_division\"]",
                "grain = [\"month\", \"nowhere\"]",
                "grain",
            ),
            ("type = \"decimal\"", "type = \"float\"", "mean_score"),
        ] {
            assert!(good.contains(from), "{from}");
            let e = Catalogue::from_toml(&good.replacen(from, to, 1)).unwrap_err().to_string();
            assert!(e.contains(named), "{e}");
        }
    }

    #[test]
    fn small_cells_are_left_out_whole_and_counted() {
        let mut facts = Vec::new();
        // Five enterprises in C34 in March: kept. Two in C13: left out.
        for e in 1..=5 {
            facts.push(fact(e, "2026-03", "C34", 10, (e % 4 + 1) as u8, 50_000 + e * 1000));
        }
        facts.push(fact(6, "2026-03", "C13", 10, 2, 40_000));
        facts.push(fact(7, "2026-03", "C13", 10, 3, 60_000));
        let (cells, suppressed) = digital_levels(&facts, 5);
        assert_eq!(suppressed, 1);
        assert_eq!(cells.len(), 1);
        let c = &cells[0];
        assert_eq!((c.enterprises, c.level_1 + c.level_2 + c.level_3 + c.level_4), (5, 5));
        // (51 + 52 + 53 + 54 + 55) / 5 = 53.00
        assert_eq!(c.mean_score, "53.00");
        assert!(!format!("{cells:?}").contains("C13"), "nothing of a left-out cell shows");
    }

    #[test]
    fn one_enterprise_counts_once_a_month_with_its_last_assessment() {
        let mut facts: Vec<LevelFact> = (1..=4).map(|e| fact(e, "2026-03", "C34", 10, 1, 30_000)).collect();
        // Enterprise 1 submits again later in March at level 3: it counts once, at level 3.
        facts.push(fact(1, "2026-03", "C34", 20, 3, 70_000));
        let (cells, suppressed) = digital_levels(&facts, 4);
        assert_eq!(suppressed, 0);
        assert_eq!((cells[0].enterprises, cells[0].level_1, cells[0].level_3), (4, 3, 1));
        // (70 + 30 × 3) / 4 = 40.00
        assert_eq!(cells[0].mean_score, "40.00");
        // Below the threshold by one: left out.
        assert_eq!(digital_levels(&facts, 5).0.len(), 0);
    }

    #[test]
    fn the_mean_rounds_half_up_to_hundredths() {
        let facts: Vec<LevelFact> =
            [(1, 10_005), (2, 10_000), (3, 10_000)].iter().map(|&(e, t)| fact(e, "2026-04", "C34", 1, 1, t)).collect();
        // 30.005 / 3 = 10.001666… → 10.00
        assert_eq!(digital_levels(&facts, 3).0[0].mean_score, "10.00");
        let facts: Vec<LevelFact> =
            [(1, 10_015), (2, 10_000)].iter().map(|&(e, t)| fact(e, "2026-04", "C34", 1, 1, t)).collect();
        // 20.015 / 2 = 10.0075 → 10.01
        assert_eq!(digital_levels(&facts, 2).0[0].mean_score, "10.01");
    }
}
