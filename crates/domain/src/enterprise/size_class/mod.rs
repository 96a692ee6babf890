//! 划型: whether an enterprise is a medium (中型), small (小型) or micro (微型)
//! enterprise, or not an SME at all, under 工信部联企业〔2011〕300号
//! 《中小企业划型标准规定》.
//!
//! The thresholds and the industry mapping are data
//! (`data/rules/size-class-2011.toml`, embedded as [`EMBEDDED_2011_TOML`]):
//! a revision of the standard is a new file, and every [`SizeOutcome`] names
//! the rules and thresholds that produced it, with a Chinese explanation an
//! officer can read back to the enterprise.
//!
//! The rule, per industry group: an SME if ANY indicator is below the SME
//! ceiling ("或"); medium if ALL indicators reach the medium bounds ("且");
//! otherwise small if ALL reach the small bounds; otherwise micro.
//!
//! `rules` holds the classes, indicators, thresholds and the validated [`SizeRules`]; `load` the
//! rules file format and its validation; `classify` the classification and its explanation.

mod classify;
mod load;
mod rules;

pub use classify::*;
pub use load::SizeRulesError;
pub use rules::*;

/// The rules file shipped with the platform.
pub const EMBEDDED_2011_TOML: &str = include_str!("../../../../../data/rules/size-class-2011.toml");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Fen;
    pub(super) fn rules() -> SizeRules {
        SizeRules::embedded_2011().unwrap()
    }

    pub(super) fn wan(n: i64) -> Fen {
        Fen(n * super::classify::FEN_PER_WAN)
    }

    pub(super) fn inputs(employees: Option<u32>, revenue: Option<Fen>, assets: Option<Fen>) -> SizeInputs {
        SizeInputs { employees, revenue, assets }
    }

    /// Inputs for a group: each used indicator gets the given bound value,
    /// less one unit (1 person or 1 fen) for `lowered`.
    pub(super) fn at(bounds: Bounds, lowered: Option<Indicator>) -> SizeInputs {
        let mut i = SizeInputs::default();
        for (indicator, v) in bounds.indicators() {
            let cut = lowered == Some(indicator);
            match indicator {
                Indicator::Employees => i.employees = Some(v - u32::from(cut)),
                Indicator::Revenue => {
                    i.revenue = Some(Fen(i64::from(v) * super::classify::FEN_PER_WAN - i64::from(cut)))
                }
                Indicator::Assets => i.assets = Some(Fen(i64::from(v) * super::classify::FEN_PER_WAN - i64::from(cut))),
            }
        }
        i
    }

    pub(super) fn class_of(code: &str, i: SizeInputs) -> SizeClass {
        classify(&rules(), code, i).unwrap().class
    }

    /// One class-level code per group, for tests that walk every row.
    pub(super) const SAMPLE_CODES: [(&str, &str); 16] = [
        ("agriculture", "A0111"),
        ("industry", "C3670"),
        ("construction", "E4720"),
        ("wholesale", "F5171"),
        ("retail", "F5211"),
        ("transport", "G5910"),
        ("warehousing", "G5920"),
        ("postal", "G6020"),
        ("accommodation", "H6110"),
        ("catering", "H6210"),
        ("information_transmission", "I6311"),
        ("software_it_services", "I6513"),
        ("real_estate_development", "K7010"),
        ("property_management", "K7020"),
        ("leasing_business_services", "L7212"),
        ("other", "M7320"),
    ];
}
