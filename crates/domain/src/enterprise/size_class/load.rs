//! Loading a size-class rules file: the TOML format, its validation into [`SizeRules`] and the
//! errors that name the table and field.

use std::collections::HashSet;

use serde::Deserialize;

use super::*;
use crate::enterprise::industry_code::{self, IndustryCode};

/// Why a rules file was refused. `place` names the table and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeRulesError {
    #[error("划型规则文件无法解析（{}）：{message}", line_note(.line))]
    Parse { line: Option<usize>, message: String },
    #[error("划型规则文件有误：{place}：{problem}")]
    Invalid { place: String, problem: String },
}

fn line_note(line: &Option<usize>) -> String {
    line.map_or_else(|| "位置不明".to_owned(), |l| format!("第{l}行"))
}

impl SizeRules {
    /// The rules embedded in the binary (工信部联企业〔2011〕300号).
    pub fn embedded_2011() -> Result<SizeRules, SizeRulesError> {
        SizeRules::from_toml(EMBEDDED_2011_TOML)
    }

    /// Parses and validates a rules file; errors name the table and field.
    pub fn from_toml(text: &str) -> Result<SizeRules, SizeRulesError> {
        let raw: RawRules = toml::from_str(text).map_err(|e| SizeRulesError::Parse {
            line: e.span().map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1),
            message: e.message().to_owned(),
        })?;
        raw.validate()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    id: String,
    revision: u32,
    instrument: String,
    industry_classification: String,
    #[serde(rename = "group")]
    groups: Vec<RawGroup>,
    #[serde(default, rename = "excluded")]
    exclusions: Vec<RawExclusion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    key: String,
    name: String,
    #[serde(default)]
    covers: Vec<String>,
    #[serde(default)]
    fallback: bool,
    ceiling: Bounds,
    medium: Bounds,
    small: Bounds,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExclusion {
    name: String,
    covers: Vec<String>,
    reason: String,
}

fn invalid(place: impl Into<String>, problem: impl Into<String>) -> SizeRulesError {
    SizeRulesError::Invalid { place: place.into(), problem: problem.into() }
}

fn group_place(index: usize, name: &str) -> String {
    format!("第{}个[[group]]（{name}）", index + 1)
}

fn exclusion_place(index: usize, name: &str) -> String {
    format!("第{}个[[excluded]]（{name}）", index + 1)
}

fn parse_covers(codes: &[String], place: &str) -> Result<Vec<IndustryCode>, SizeRulesError> {
    codes
        .iter()
        .map(|c| IndustryCode::parse(c).map_err(|e| invalid(format!("{place}的covers中的“{c}”"), e.to_string())))
        .collect()
}

impl RawRules {
    fn validate(self) -> Result<SizeRules, SizeRulesError> {
        for (field, value) in [("id", &self.id), ("instrument", &self.instrument)] {
            if value.trim().is_empty() {
                return Err(invalid(field, "不能为空"));
            }
        }
        if self.industry_classification != industry_code::CLASSIFICATION {
            return Err(invalid(
                "industry_classification",
                format!("只支持{}，文件写的是“{}”", industry_code::CLASSIFICATION, self.industry_classification),
            ));
        }
        if self.groups.is_empty() {
            return Err(invalid("[[group]]", "至少需要一个行业"));
        }

        let mut groups = Vec::with_capacity(self.groups.len());
        let mut keys = HashSet::new();
        let mut fallback = None;
        for (index, raw) in self.groups.into_iter().enumerate() {
            let place = group_place(index, &raw.name);
            if raw.key.trim().is_empty() || raw.name.trim().is_empty() {
                return Err(invalid(place, "key和name不能为空"));
            }
            if !keys.insert(raw.key.clone()) {
                return Err(invalid(format!("{place}的key"), format!("“{}”与前面的行业重复", raw.key)));
            }
            match (raw.fallback, raw.covers.is_empty()) {
                (true, false) => {
                    return Err(invalid(place, "兜底行业（fallback = true）不应再列covers"));
                }
                (false, true) => {
                    return Err(invalid(place, "未列出适用的行业代码（covers），也未标为兜底行业（fallback）"));
                }
                (true, true) => {
                    if fallback.replace(index).is_some() {
                        return Err(invalid(place, "只能有一个兜底行业（fallback = true）"));
                    }
                }
                (false, false) => {}
            }
            let covers = parse_covers(&raw.covers, &place)?;
            let thresholds = Thresholds { ceiling: raw.ceiling, medium: raw.medium, small: raw.small };
            validate_thresholds(&thresholds, &place)?;
            groups.push(IndustryGroup { key: raw.key, name: raw.name, covers, fallback: raw.fallback, thresholds });
        }
        let Some(fallback) = fallback else {
            return Err(invalid("[[group]]", "须有一个兜底行业（fallback = true，即其他未列明行业）"));
        };

        let mut exclusions = Vec::with_capacity(self.exclusions.len());
        for (index, raw) in self.exclusions.into_iter().enumerate() {
            let place = exclusion_place(index, &raw.name);
            if raw.name.trim().is_empty() || raw.reason.trim().is_empty() || raw.covers.is_empty() {
                return Err(invalid(place, "name、covers和reason都不能为空"));
            }
            let covers = parse_covers(&raw.covers, &place)?;
            exclusions.push(Exclusion { name: raw.name, covers, reason: raw.reason });
        }

        let mut covers: Vec<(IndustryCode, Target)> = Vec::new();
        let listed = groups
            .iter()
            .enumerate()
            .flat_map(|(g, group)| group.covers.iter().map(move |c| (c, Target::Group(g))))
            .chain(
                exclusions
                    .iter()
                    .enumerate()
                    .flat_map(|(e, ex)| ex.covers.iter().map(move |c| (c, Target::Excluded(e)))),
            );
        for (code, target) in listed {
            let place_of = |t: Target| match t {
                Target::Group(g) => group_place(g, &groups[g].name),
                Target::Excluded(e) => exclusion_place(e, &exclusions[e].name),
            };
            for (earlier, earlier_target) in &covers {
                let clash = if earlier == code {
                    Some(format!("已在{}中列出", place_of(*earlier_target)))
                } else if *earlier_target == target && (earlier.contains(code) || code.contains(earlier)) {
                    Some(format!("与同一处列出的{earlier}相互包含，重复"))
                } else {
                    None
                };
                if let Some(problem) = clash {
                    return Err(invalid(format!("{}的covers中的“{code}”", place_of(target)), problem));
                }
            }
            covers.push((code.clone(), target));
        }

        Ok(SizeRules {
            id: self.id,
            revision: self.revision,
            instrument: self.instrument,
            groups,
            exclusions,
            fallback,
            covers,
        })
    }
}

/// All three rows use the same indicators, every bound is positive and the
/// rows are strictly ordered small < medium < ceiling (else a class would be
/// empty, which in practice means a typo).
fn validate_thresholds(t: &Thresholds, place: &str) -> Result<(), SizeRulesError> {
    let used: Vec<Indicator> = t.ceiling.indicators().map(|(i, _)| i).collect();
    if used.is_empty() {
        return Err(invalid(format!("{place}的ceiling"), "至少需要一个指标（employees、revenue_wan或assets_wan）"));
    }
    let names = |ids: &[Indicator]| ids.iter().map(|i| i.key()).collect::<Vec<_>>().join("、");
    for (row, bounds) in [("medium", t.medium), ("small", t.small)] {
        let row_used: Vec<Indicator> = bounds.indicators().map(|(i, _)| i).collect();
        if row_used != used {
            return Err(invalid(
                format!("{place}的{row}"),
                format!("所用指标（{}）须与ceiling一致（{}）", names(&row_used), names(&used)),
            ));
        }
    }
    for indicator in used {
        let field = |row: &str| format!("{place}的{row}.{}", indicator.key());
        let (Some(ceiling), Some(medium), Some(small)) =
            (t.ceiling.get(indicator), t.medium.get(indicator), t.small.get(indicator))
        else {
            continue;
        };
        if small == 0 {
            return Err(invalid(field("small"), "须大于0"));
        }
        if small >= medium {
            return Err(invalid(field("small"), format!("小型下限{small}须低于中型下限{medium}")));
        }
        if medium >= ceiling {
            return Err(invalid(field("medium"), format!("中型下限{medium}须低于中小微型企业上限{ceiling}")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enterprise::size_class::tests::*;
    #[test]
    fn embedded_rules_load_every_row_of_the_table() {
        let r = rules();
        assert_eq!(r.id(), "size-class-2011");
        assert_eq!(r.revision(), 1);
        let keys: Vec<&str> = r.groups().iter().map(|g| g.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "agriculture",
                "industry",
                "construction",
                "wholesale",
                "retail",
                "transport",
                "warehousing",
                "postal",
                "accommodation",
                "catering",
                "information_transmission",
                "software_it_services",
                "real_estate_development",
                "property_management",
                "leasing_business_services",
                "other",
            ]
        );
        let industry = &r.groups()[1].thresholds;
        assert_eq!(industry.ceiling, Bounds { employees: Some(1000), revenue_wan: Some(40000), assets_wan: None });
        assert_eq!(industry.medium, Bounds { employees: Some(300), revenue_wan: Some(2000), assets_wan: None });
        assert_eq!(industry.small, Bounds { employees: Some(20), revenue_wan: Some(300), assets_wan: None });
    }

    /// The embedded file with one line replaced, to exercise validation.
    fn edited(from: &str, to: &str) -> Result<SizeRules, SizeRulesError> {
        assert!(EMBEDDED_2011_TOML.contains(from), "{from}");
        SizeRules::from_toml(&EMBEDDED_2011_TOML.replacen(from, to, 1))
    }

    fn place_of(result: Result<SizeRules, SizeRulesError>) -> String {
        match result.unwrap_err() {
            SizeRulesError::Invalid { place, .. } => place,
            other => panic!("expected a validation error, got {other}"),
        }
    }

    #[test]
    fn invalid_thresholds_are_reported_with_their_place() {
        assert_eq!(
            place_of(edited(
                "medium = { employees = 20, revenue_wan = 5000 }",
                "medium = { employees = 2, revenue_wan = 5000 }"
            )),
            "第4个[[group]]（批发业）的small.employees"
        );
        assert_eq!(
            place_of(edited(
                "medium = { employees = 300, revenue_wan = 2000 }",
                "medium = { employees = 1000, revenue_wan = 2000 }"
            )),
            "第2个[[group]]（工业）的medium.employees"
        );
        assert_eq!(
            place_of(edited("small = { revenue_wan = 300, assets_wan = 300 }", "small = { revenue_wan = 300 }")),
            "第3个[[group]]（建筑业）的small"
        );
        assert_eq!(
            place_of(edited("small = { revenue_wan = 50 }", "small = { revenue_wan = 0 }")),
            "第1个[[group]]（农、林、牧、渔业）的small.revenue_wan"
        );
        assert_eq!(
            place_of(edited("ceiling = { employees = 300 }", "ceiling = { }")),
            "第16个[[group]]（其他未列明行业）的ceiling"
        );
    }

    #[test]
    fn invalid_mapping_is_reported_with_its_place() {
        assert_eq!(
            place_of(edited(r#"covers = ["52"]"#, r#"covers = ["51"]"#)),
            "第5个[[group]]（零售业）的covers中的“F51”"
        );
        assert_eq!(
            place_of(edited(r#"covers = ["52"]"#, r#"covers = ["5X"]"#)),
            "第5个[[group]]（零售业）的covers中的“5X”"
        );
        assert_eq!(
            place_of(edited(r#"covers = ["59"]"#, r#"covers = ["59", "592"]"#)),
            "第7个[[group]]（仓储业）的covers中的“G592”"
        );
        assert_eq!(place_of(edited("fallback = true\n", "")), "第16个[[group]]（其他未列明行业）");
        assert_eq!(place_of(edited(r#"key = "retail""#, r#"key = "wholesale""#)), "第5个[[group]]（零售业）的key");
        assert_eq!(
            place_of(edited(r#"covers = ["53"]"#, r#"covers = ["C"]"#)),
            "第1个[[excluded]]（铁路运输业）的covers中的“C”"
        );
        assert_eq!(
            place_of(edited(
                r#"industry_classification = "GB/T 4754-2017""#,
                r#"industry_classification = "GB/T 4754-2011""#
            )),
            "industry_classification"
        );
    }

    #[test]
    fn malformed_toml_is_reported_with_its_line() {
        let err = edited("[[group]]\nkey = \"retail\"", "[[group]]\nkey = retail").unwrap_err();
        let line = EMBEDDED_2011_TOML.lines().position(|l| l == "key = \"retail\"").unwrap() + 1;
        assert!(matches!(&err, SizeRulesError::Parse { line: Some(l), .. } if *l == line), "{err}");
        assert!(err.to_string().starts_with(&format!("划型规则文件无法解析（第{line}行）")), "{err}");

        let err = edited("small = { revenue_wan = 50 }", "small = { revenue_wan = 50, staff = 3 }").unwrap_err();
        assert!(matches!(&err, SizeRulesError::Parse { line: Some(_), message } if message.contains("staff")), "{err}");
        let err = edited("small = { revenue_wan = 50 }", "small = { revenue_wan = -50 }").unwrap_err();
        assert!(matches!(err, SizeRulesError::Parse { .. }), "{err}");
    }
}
