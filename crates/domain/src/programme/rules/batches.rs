//! The national city-pilot batches as data (`data/rules/batches.toml`): what each batch's
//! document says about the window and about cities of earlier batches. A city programme names
//! its batch; [`Batches::window`] derives a plan-approval window, [`Batches::check`] refuses a
//! set of programmes that breaks a batch's rule (an earlier-batch city in a batch that excludes
//! it).

use serde::Deserialize;

use super::load::{RawDate, invalid};
use super::{Date, Programme, ProgrammeLevel, RulesError};

/// The batches file shipped with Dengta.
pub const BUILTIN_BATCHES: &str = include_str!("../../../../../data/rules/batches.toml");

/// One batch of the national city pilot.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Batch {
    pub id: String,
    pub name: String,
    /// The notice that set it up, e.g. 财办建〔2025〕20号.
    pub document: String,
    /// How long a city's window runs.
    pub years: u32,
    /// The batch's approval date, where one date holds for all its cities.
    pub approved: Option<Date>,
    /// Each city's window counts from the approval of its own plan (方案批复).
    pub window_from_plan_approval: bool,
    /// Cities of earlier batches may not join.
    pub excludes_earlier_batches: bool,
    pub priority: Option<String>,
}

/// The batches in order, earliest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batches(Vec<Batch>);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBatches {
    version: u32,
    #[serde(rename = "batch")]
    batches: Vec<RawBatch>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBatch {
    id: String,
    name: String,
    document: String,
    years: u32,
    #[serde(default)]
    approved: Option<RawDate>,
    #[serde(default)]
    window_from_plan_approval: bool,
    #[serde(default)]
    excludes_earlier_batches: bool,
    #[serde(default)]
    priority: Option<String>,
}

impl Batches {
    /// Parses and validates a batches file; errors name the field in Chinese.
    pub fn from_toml(text: &str) -> Result<Batches, RulesError> {
        let raw: RawBatches = toml::from_str(text).map_err(|e| RulesError::Parse {
            line: e.span().map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1),
            message: e.message().trim().to_owned(),
        })?;
        if raw.version == 0 {
            return Err(invalid("批次文件版本号（version）", "应从1开始"));
        }
        let mut out: Vec<Batch> = Vec::new();
        for (i, b) in raw.batches.into_iter().enumerate() {
            let place = |field: &str| format!("第{}个批次（[[batch]]）的{field}", i + 1);
            let id = b.id.trim().to_owned();
            if id.is_empty() || out.iter().any(|o| o.id == id) {
                return Err(invalid(place("标识（id）"), format!("“{id}”为空或重复")));
            }
            if b.name.trim().is_empty() || b.document.trim().is_empty() {
                return Err(invalid(place("名称和文件号（name、document）"), "不能为空"));
            }
            if !(1..=10).contains(&b.years) {
                return Err(invalid(place("实施年限（years）"), format!("应为1至10年，收到 {}", b.years)));
            }
            let approved = b.approved.map(|d| d.resolve(&place("批复日期（approved）"))).transpose()?;
            out.push(Batch {
                id,
                name: b.name.trim().to_owned(),
                document: b.document.trim().to_owned(),
                years: b.years,
                approved,
                window_from_plan_approval: b.window_from_plan_approval,
                excludes_earlier_batches: b.excludes_earlier_batches,
                priority: b.priority.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()),
            });
        }
        if out.is_empty() {
            return Err(invalid("批次（[[batch]]）", "至少列出一个批次"));
        }
        Ok(Batches(out))
    }

    /// The shipped batches, parsed once (every programme load and page asks for them).
    pub fn builtin() -> Result<&'static Batches, RulesError> {
        static BUILTIN: std::sync::LazyLock<Result<Batches, RulesError>> = std::sync::LazyLock::new(|| {
            Batches::from_toml(BUILTIN_BATCHES)
                .map_err(|error| RulesError::Builtin { file: "batches.toml".to_owned(), error: Box::new(error) })
        });
        BUILTIN.as_ref().map_err(Clone::clone)
    }

    pub fn all(&self) -> &[Batch] {
        &self.0
    }

    pub fn get(&self, id: &str) -> Option<&Batch> {
        self.0.iter().find(|b| b.id == id)
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.0.iter().position(|b| b.id == id)
    }

    /// The window of a programme whose plan was approved on `approved`: from that day to the
    /// day before the same date `years` later (2025-08-20 → 2027-08-19).
    pub fn window(batch: &Batch, approved: Date) -> (Date, Date) {
        (approved, approved.add_months(batch.years * 12).add_days(-1))
    }

    /// Refuses a set of programmes that breaks a batch's rule: a city programme in a batch that
    /// excludes earlier batches, for a city that already ran one of them.
    pub fn check(&self, programmes: &[&Programme]) -> Result<(), RulesError> {
        let city = |p: &Programme| p.level() == ProgrammeLevel::City;
        for p in programmes.iter().filter(|p| city(p)) {
            let Some(here) = self.position(p.batch()) else { continue };
            if !self.0[here].excludes_earlier_batches {
                continue;
            }
            let earlier = programmes
                .iter()
                .filter(|q| city(q) && q.region() == p.region())
                .find(|q| self.position(q.batch()).is_some_and(|there| there < here));
            if let Some(q) = earlier {
                let b = &self.0[here];
                return Err(invalid(
                    format!("试点“{}”的批次（batch）", p.name()),
                    format!(
                        "地区 {} 已是{}（“{}”），{}不接受往批试点城市（{}）",
                        p.region(),
                        self.get(q.batch()).map_or(q.batch(), |e| e.name.as_str()),
                        q.name(),
                        b.name,
                        b.document
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::BUILTIN_FILES;
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    /// Nanjing's file moved to another batch and city, its window given as `window`.
    fn programme(id: &str, batch: &str, region: &str, window: &str) -> Result<Programme, RulesError> {
        let text = BUILTIN_FILES[0]
            .1
            .replace("id = \"nanjing-2024\"", &format!("id = \"{id}\""))
            .replace("batch = \"2024\"", &format!("batch = \"{batch}\""))
            .replace("region = \"320100\"", &format!("region = \"{region}\""))
            .replace("window_start = \"2024-10-18\"\nwindow_end = \"2026-10-31\"", window);
        Programme::from_toml(&text)
    }

    #[test]
    fn the_shipped_batches_say_what_their_documents_say() {
        let b = Batches::builtin().unwrap();
        let ids: Vec<&str> = b.all().iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids, ["2023", "2024", "2025"]);
        let third = b.get("2025").unwrap();
        assert_eq!(third.document, "财办建〔2025〕20号");
        assert!(third.window_from_plan_approval && third.excludes_earlier_batches && third.years == 2);
        assert!(!b.get("2024").unwrap().window_from_plan_approval);
    }

    #[test]
    fn a_2025_window_follows_the_approval_of_the_citys_plan() {
        let p = programme("suzhou-2025", "2025", "320500", "plan_approved = \"2025-08-20\"").unwrap();
        assert_eq!(p.plan_approved(), Some(d("2025-08-20")));
        assert_eq!(p.window(), (d("2025-08-20"), d("2027-08-19")));
        assert!(p.in_window(d("2027-08-19")) && !p.in_window(d("2027-08-20")) && !p.in_window(d("2025-08-19")));
        // Another approval date, another window: nothing about the window is written by hand.
        let q = programme("suzhou-2025", "2025", "320500", "plan_approved = 2025-12-31").unwrap();
        assert_eq!(q.window(), (d("2025-12-31"), d("2027-12-30")));
    }

    #[test]
    fn a_2025_programme_without_its_approval_or_with_a_hand_written_window_is_refused() {
        let no_date =
            programme("suzhou-2025", "2025", "320500", "window_start = \"2025-08-20\"\nwindow_end = \"2027-08-19\"");
        assert!(no_date.unwrap_err().to_string().contains("方案批复日期（plan_approved）"));
        let both = programme(
            "suzhou-2025",
            "2025",
            "320500",
            "plan_approved = \"2025-08-20\"\nwindow_start = \"2025-08-20\"\nwindow_end = \"2027-08-19\"",
        );
        assert!(both.unwrap_err().to_string().contains("不要另填"));
        let unknown = programme("suzhou-2026", "2026", "320500", "plan_approved = \"2026-01-05\"");
        assert!(unknown.unwrap_err().to_string().contains("2023、2024、2025"));
    }

    #[test]
    fn an_earlier_batch_city_cannot_join_the_2025_batch_but_others_can() {
        let b = Batches::builtin().unwrap();
        let nanjing_2024 =
            programme("nanjing-2024", "2024", "320100", "window_start = \"2024-10-18\"\nwindow_end = \"2026-10-31\"")
                .unwrap();
        let nanjing_2025 = programme("nanjing-2025", "2025", "320100", "plan_approved = \"2025-08-20\"").unwrap();
        let suzhou_2025 = programme("suzhou-2025", "2025", "320500", "plan_approved = \"2025-08-20\"").unwrap();
        let err = b.check(&[&nanjing_2024, &nanjing_2025]).unwrap_err().to_string();
        assert!(
            err.contains("320100") && err.contains("第二批城市试点") && err.contains("财办建〔2025〕20号"),
            "{err}"
        );
        assert!(b.check(&[&nanjing_2024, &suzhou_2025]).is_ok(), "a new city joins the 2025 batch");
        // Running several batches at once is fine where no batch excludes it.
        let nanjing_2023 =
            programme("nanjing-2023", "2023", "320100", "window_start = \"2023-10-01\"\nwindow_end = \"2025-09-30\"")
                .unwrap();
        assert!(b.check(&[&nanjing_2023, &nanjing_2024]).is_ok());
        // The shipped programmes keep the rule.
        let shipped = Programme::builtin().unwrap();
        assert!(b.check(&shipped.iter().collect::<Vec<_>>()).is_ok());
    }

    #[test]
    fn malformed_batch_files_are_refused_with_the_field_named() {
        let ok = BUILTIN_BATCHES;
        for (from, to, field) in [
            ("years = 2\nwindow_from", "years = 0\nwindow_from", "实施年限（years）"),
            ("id = \"2024\"", "id = \"2023\"", "标识（id）"),
            ("approved = \"2024-10-18\"", "approved = \"2024-13-18\"", "批复日期（approved）"),
        ] {
            let err = Batches::from_toml(&ok.replacen(from, to, 1)).unwrap_err().to_string();
            assert!(err.contains(field), "{from} → {to}: {err}");
        }
        assert!(Batches::from_toml("version = 1\ncolour = 1").is_err());
    }
}
