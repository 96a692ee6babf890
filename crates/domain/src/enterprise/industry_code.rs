//! Industry codes of GB/T 4754-2017 (国民经济行业分类): a section letter
//! (门类, A–T) followed by 2, 3 or 4 digits for the division (大类), group
//! (中类) and class (小类), e.g. C, C36, C367, C3670.
//!
//! The digits determine the section, so people often omit the letter
//! ("3670"); both forms parse to the same canonical code. Only the structure
//! is checked (the division exists, the letter agrees with it), not that a
//! particular group or class is listed in the standard.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::normalise::normalise_code;

/// The classification version these codes belong to.
pub const CLASSIFICATION: &str = "GB/T 4754-2017";

/// GB/T 4754-2017 sections and the contiguous division ranges they hold.
const SECTIONS: [(char, u8, u8); 20] = [
    ('A', 1, 5),
    ('B', 6, 12),
    ('C', 13, 43),
    ('D', 44, 46),
    ('E', 47, 50),
    ('F', 51, 52),
    ('G', 53, 60),
    ('H', 61, 62),
    ('I', 63, 65),
    ('J', 66, 69),
    ('K', 70, 70),
    ('L', 71, 72),
    ('M', 73, 75),
    ('N', 76, 79),
    ('O', 80, 82),
    ('P', 83, 83),
    ('Q', 84, 85),
    ('R', 86, 90),
    ('S', 91, 96),
    ('T', 97, 97),
];

/// A structurally valid GB/T 4754-2017 code in canonical form: section letter
/// plus 0, 2, 3 or 4 digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IndustryCode(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndustryLevel {
    Section,
    Division,
    Group,
    Class,
}

coded!(IndustryLevel [label] {
    Section => "门类";
    Division => "大类";
    Group => "中类";
    Class => "小类";
});

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndustryCodeError {
    #[error("行业代码不能为空")]
    Empty,
    #[error("行业代码“{input}”格式不对：应为门类字母加2至4位数字（如C3670），也可只写门类字母或只写数字")]
    Malformed { input: String },
    #[error("门类“{letter}”不存在（GB/T 4754-2017的门类为A至T）")]
    UnknownSection { letter: char },
    #[error("大类“{division}”不存在（GB/T 4754-2017的大类为01至97）")]
    UnknownDivision { division: String },
    #[error("大类{division}属于门类{expected}，不属于门类{letter}")]
    SectionMismatch { letter: char, division: String, expected: char },
}

impl IndustryCode {
    /// Normalises (trims, full-width → ASCII, upper case), then accepts
    /// "C3670", "3670", "C36", "36" or "C".
    pub fn parse(input: &str) -> Result<IndustryCode, IndustryCodeError> {
        let text = normalise_code(input);
        let malformed = || IndustryCodeError::Malformed { input: input.trim().to_owned() };
        let (letter, digits) = match text.chars().next() {
            None => return Err(IndustryCodeError::Empty),
            Some(c) if c.is_ascii_uppercase() => (Some(c), &text[1..]),
            Some(_) => (None, text.as_str()),
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        let section = match (letter, digits.len()) {
            (Some(letter), 0) => {
                if !SECTIONS.iter().any(|&(s, ..)| s == letter) {
                    return Err(IndustryCodeError::UnknownSection { letter });
                }
                letter
            }
            (_, 2..=4) => {
                let division = &digits[..2];
                let expected = section_of(division)
                    .ok_or_else(|| IndustryCodeError::UnknownDivision { division: division.to_owned() })?;
                if let Some(letter) = letter.filter(|&l| l != expected) {
                    return Err(IndustryCodeError::SectionMismatch { letter, division: division.to_owned(), expected });
                }
                expected
            }
            _ => return Err(malformed()),
        };
        Ok(IndustryCode(format!("{section}{digits}")))
    }

    /// Canonical form, always starting with the section letter.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn section(&self) -> char {
        self.0.chars().next().unwrap_or('?')
    }

    /// The digits after the section letter; empty for a section.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }

    pub fn level(&self) -> IndustryLevel {
        match self.digits().len() {
            0 => IndustryLevel::Section,
            2 => IndustryLevel::Division,
            3 => IndustryLevel::Group,
            _ => IndustryLevel::Class,
        }
    }

    /// True if `other` is this code or lies below it (C contains C36 and
    /// C3670; C36 contains C367).
    pub fn contains(&self, other: &IndustryCode) -> bool {
        self.section() == other.section() && other.digits().starts_with(self.digits())
    }
}

fn section_of(division: &str) -> Option<char> {
    let n: u8 = division.parse().ok()?;
    SECTIONS.iter().find(|&&(_, lo, hi)| (lo..=hi).contains(&n)).map(|&(s, ..)| s)
}

impl fmt::Display for IndustryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for IndustryCode {
    type Error = IndustryCodeError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        IndustryCode::parse(&s)
    }
}

impl From<IndustryCode> for String {
    fn from(code: IndustryCode) -> String {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> IndustryCode {
        IndustryCode::parse(s).unwrap()
    }

    #[test]
    fn sections_cover_divisions_01_to_97_without_gaps() {
        let mut next = 1;
        for (_, lo, hi) in SECTIONS {
            assert_eq!(lo, next);
            assert!(hi >= lo);
            next = hi + 1;
        }
        assert_eq!(next, 98);
    }

    #[test]
    fn letter_is_optional_and_derived_from_the_division() {
        assert_eq!(code("3670").as_str(), "C3670");
        assert_eq!(code("C3670").as_str(), "C3670");
        assert_eq!(code(" ｃ３６７ ").as_str(), "C367");
        assert_eq!(code("05").as_str(), "A05");
        assert_eq!(code("591").as_str(), "G591");
        assert_eq!(code("97").as_str(), "T97");
        assert_eq!(code("k").as_str(), "K");
        assert_eq!(code("C3670").level(), IndustryLevel::Class);
        assert_eq!(code("C").level(), IndustryLevel::Section);
        assert_eq!(code("C").digits(), "");
    }

    #[test]
    fn malformed_codes_are_rejected_with_the_reason() {
        assert_eq!(IndustryCode::parse(" ").unwrap_err(), IndustryCodeError::Empty);
        assert!(matches!(IndustryCode::parse("3").unwrap_err(), IndustryCodeError::Malformed { .. }));
        assert!(matches!(IndustryCode::parse("C36701").unwrap_err(), IndustryCodeError::Malformed { .. }));
        assert!(matches!(IndustryCode::parse("C3-6").unwrap_err(), IndustryCodeError::Malformed { .. }));
        assert!(matches!(IndustryCode::parse("制造业").unwrap_err(), IndustryCodeError::Malformed { .. }));
        assert_eq!(IndustryCode::parse("U").unwrap_err(), IndustryCodeError::UnknownSection { letter: 'U' });
        assert_eq!(
            IndustryCode::parse("98").unwrap_err(),
            IndustryCodeError::UnknownDivision { division: "98".into() }
        );
        assert_eq!(
            IndustryCode::parse("00").unwrap_err(),
            IndustryCodeError::UnknownDivision { division: "00".into() }
        );
        let err = IndustryCode::parse("B3670").unwrap_err();
        assert_eq!(err, IndustryCodeError::SectionMismatch { letter: 'B', division: "36".into(), expected: 'C' });
        assert_eq!(err.to_string(), "大类36属于门类C，不属于门类B");
    }

    #[test]
    fn containment_follows_the_hierarchy() {
        assert!(code("C").contains(&code("C3670")));
        assert!(code("C36").contains(&code("C367")));
        assert!(code("C367").contains(&code("C367")));
        assert!(!code("C367").contains(&code("C36")));
        assert!(!code("C36").contains(&code("C37")));
        assert!(!code("B").contains(&code("C13")));
        assert!(code("59").contains(&code("591")));
    }
}
