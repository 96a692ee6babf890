//! The size classes, the indicators they are measured by, the thresholds per industry group and
//! the validated [`SizeRules`] that map an industry code to its group.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::*;
use crate::enterprise::industry_code::IndustryCode;

/// The size classes, from the largest down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeClass {
    NotSme,
    Medium,
    Small,
    Micro,
}

coded!(SizeClass [
    /// Storage code: `not_sme`, `medium`, `small`, `micro` (as serialised).
    code,
    label
] {
    NotSme => "not_sme", "非中小企业";
    Medium => "medium", "中型";
    Small => "small", "小型";
    Micro => "micro", "微型";
});

impl SizeClass {
    pub fn is_sme(self) -> bool {
        self != SizeClass::NotSme
    }
}

/// A measure the standard classifies by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    Employees,
    Revenue,
    Assets,
}

impl Indicator {
    const ALL: [Indicator; 3] = [Indicator::Employees, Indicator::Revenue, Indicator::Assets];

    pub fn label(self) -> &'static str {
        match self {
            Indicator::Employees => "从业人员",
            Indicator::Revenue => "营业收入",
            Indicator::Assets => "资产总额",
        }
    }

    /// The field name in the rules file.
    pub(super) fn key(self) -> &'static str {
        match self {
            Indicator::Employees => "employees",
            Indicator::Revenue => "revenue_wan",
            Indicator::Assets => "assets_wan",
        }
    }

    pub(super) fn unit(self) -> &'static str {
        match self {
            Indicator::Employees => "人",
            Indicator::Revenue | Indicator::Assets => "万元",
        }
    }
}

impl fmt::Display for Indicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One row of bounds: headcount in persons, money in whole 万元. An absent
/// indicator is not used by the group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employees: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_wan: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assets_wan: Option<u32>,
}

impl Bounds {
    pub fn get(&self, indicator: Indicator) -> Option<u32> {
        match indicator {
            Indicator::Employees => self.employees,
            Indicator::Revenue => self.revenue_wan,
            Indicator::Assets => self.assets_wan,
        }
    }

    /// The indicators this row uses, with their values, in a fixed order.
    pub fn indicators(&self) -> impl Iterator<Item = (Indicator, u32)> + '_ {
        Indicator::ALL.into_iter().filter_map(|i| self.get(i).map(|v| (i, v)))
    }
}

/// A group's thresholds (see the module docs for how they combine).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    /// SME if any indicator is strictly below its value.
    pub ceiling: Bounds,
    /// Medium if every indicator is at or above its value.
    pub medium: Bounds,
    /// Small if every indicator is at or above its value.
    pub small: Bounds,
}

/// An industry group of the standard (工业, 批发业, …) and the codes it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndustryGroup {
    /// Stable identifier, e.g. "industry".
    pub key: String,
    /// The standard's name, e.g. "工业".
    pub name: String,
    pub covers: Vec<IndustryCode>,
    /// Takes every code no group or exclusion covers (其他未列明行业).
    pub fallback: bool,
    pub thresholds: Thresholds,
}

/// Codes the standard does not classify, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exclusion {
    pub name: String,
    pub covers: Vec<IndustryCode>,
    pub reason: String,
}

/// A validated set of size-class rules. Only [`SizeRules::from_toml`] makes one.
#[derive(Clone, Debug)]
pub struct SizeRules {
    pub(super) id: String,
    pub(super) revision: u32,
    pub(super) instrument: String,
    pub(super) groups: Vec<IndustryGroup>,
    pub(super) exclusions: Vec<Exclusion>,
    pub(super) fallback: usize,
    /// Every listed code with what it maps to.
    pub(super) covers: Vec<(IndustryCode, Target)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Target {
    Group(usize),
    Excluded(usize),
}

impl SizeRules {
    /// Identifier of this rules set, e.g. "size-class-2011".
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Bumped on every correction of the file, so results can say which
    /// version of the data produced them.
    pub fn revision(&self) -> u32 {
        self.revision
    }

    /// The legal instrument the rules encode.
    pub fn instrument(&self) -> &str {
        &self.instrument
    }

    pub fn groups(&self) -> &[IndustryGroup] {
        &self.groups
    }

    pub fn exclusions(&self) -> &[Exclusion] {
        &self.exclusions
    }

    /// The group an industry code is classified under, e.g. to know which
    /// figures to ask for before calling [`classify`].
    pub fn group_for(&self, code: &IndustryCode) -> Result<&IndustryGroup, SizeClassError> {
        self.resolve(code).map(|(group, _)| group)
    }

    /// The most specific listed code containing `code` decides; none means
    /// the fallback group. A code too coarse to decide is an error.
    pub(super) fn resolve(
        &self,
        code: &IndustryCode,
    ) -> Result<(&IndustryGroup, Option<&IndustryCode>), SizeClassError> {
        let best = self
            .covers
            .iter()
            .filter(|(listed, _)| listed.contains(code))
            .max_by_key(|(listed, _)| listed.digits().len());
        let target = best.map_or(Target::Group(self.fallback), |&(_, target)| target);
        if let Some((finer, _)) =
            self.covers.iter().find(|(listed, t)| *t != target && code.contains(listed) && listed != code)
        {
            return Err(SizeClassError::IndustryTooCoarse { code: code.to_string(), example: finer.to_string() });
        }
        match target {
            Target::Excluded(e) => {
                let exclusion = &self.exclusions[e];
                Err(SizeClassError::NotCovered {
                    code: code.to_string(),
                    name: exclusion.name.clone(),
                    reason: exclusion.reason.clone(),
                })
            }
            Target::Group(g) => Ok((&self.groups[g], best.map(|(listed, _)| listed))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enterprise::industry_code::IndustryCodeError;
    use crate::enterprise::size_class::tests::*;
    #[test]
    fn an_industry_code_per_group_maps_to_it() {
        let r = rules();
        let cases = [
            ("A0111", "agriculture"),
            ("05", "agriculture"),
            ("B0610", "industry"),
            ("C3670", "industry"),
            ("C43", "industry"),
            ("D4411", "industry"),
            ("E4720", "construction"),
            ("F5171", "wholesale"),
            ("5211", "retail"),
            ("G5431", "transport"),
            ("G5821", "transport"),
            ("G5910", "transport"),
            ("G5920", "warehousing"),
            ("G595", "warehousing"),
            ("G6020", "postal"),
            ("H6110", "accommodation"),
            ("H6210", "catering"),
            ("I6311", "information_transmission"),
            ("I6421", "information_transmission"),
            ("I6513", "software_it_services"),
            ("K7010", "real_estate_development"),
            ("K7020", "property_management"),
            ("L7111", "leasing_business_services"),
            ("L7212", "leasing_business_services"),
            ("L", "leasing_business_services"),
            ("K7030", "other"),
            ("M7320", "other"),
            ("O8010", "other"),
            ("R", "other"),
            ("T9700", "other"),
        ];
        for (code, key) in cases {
            let group = r.group_for(&IndustryCode::parse(code).unwrap()).unwrap();
            assert_eq!(group.key, key, "{code}");
        }
    }

    #[test]
    fn codes_too_coarse_or_outside_the_standard_are_errors() {
        for code in ["G", "G59", "K", "K70", "I"] {
            let err = classify(&rules(), code, SizeInputs::default()).unwrap_err();
            assert!(matches!(err, SizeClassError::IndustryTooCoarse { .. }), "{code}: {err}");
        }
        let err = classify(&rules(), "G59", SizeInputs::default()).unwrap_err();
        assert_eq!(err, SizeClassError::IndustryTooCoarse { code: "G59".into(), example: "G591".into() });
        for (code, name) in [("G5310", "铁路运输业"), ("53", "铁路运输业"), ("J6620", "金融业"), ("J", "金融业")]
        {
            match classify(&rules(), code, inputs(Some(10), Some(wan(10)), None)).unwrap_err() {
                SizeClassError::NotCovered { name: n, reason, .. } => {
                    assert_eq!(n, name);
                    assert!(!reason.is_empty());
                }
                other => panic!("{code}: {other}"),
            }
        }
        assert!(matches!(
            classify(&rules(), "C99", SizeInputs::default()).unwrap_err(),
            SizeClassError::IndustryCode(IndustryCodeError::UnknownDivision { .. })
        ));
    }
}
