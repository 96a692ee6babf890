//! 统一社会信用代码 (GB 32100-2015): the 18-character identifier every
//! enterprise, public body and social organisation is registered under.
//!
//! Layout: position 1 registration authority (登记管理部门), 2 organisation
//! category (机构类别), 3–8 the registering office's GB/T 2260 region code,
//! 9–17 the subject code (主体标识码, the former 组织机构代码), 18 a check
//! character over the first 17 (weights 3^i mod 31, modulus 31).
//!
//! Some codes issued during the 2015–2016 transition fail the check character
//! although they are real. [`Uscc::parse`] rejects them; [`Uscc::parse_legacy`]
//! lets an authority accept one deliberately, reporting the mismatch so the
//! caller can record the reason.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::normalise::normalise_code;

/// The 31 characters a code may use, in value order (I, O, S, V and Z are
/// left out to avoid confusion with 1, 0, 5, U and 2).
pub const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Number of characters in a code.
pub const LEN: usize = 18;

const MODULUS: u32 = 31;

/// Weight of position i (0-based) in the check sum: 3^i mod 31.
const WEIGHTS: [u32; LEN - 1] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// A well-formed 统一社会信用代码: 18 characters from [`CHARSET`], upper
/// case, ASCII. Obtained from [`Uscc::parse`] it also carries a correct check
/// character; from [`Uscc::parse_legacy`] possibly not (see
/// [`Uscc::check_char_status`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

/// Why a string is not an acceptable 统一社会信用代码.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error("统一社会信用代码不能为空")]
    Empty,
    #[error("统一社会信用代码应为18位，实际为{actual}位")]
    WrongLength { actual: usize },
    #[error("生成校验位需要统一社会信用代码的前17位，实际为{actual}位")]
    WrongPrefixLength { actual: usize },
    /// `position` is 1-based, as people count.
    #[error("第{position}位字符“{found}”不是统一社会信用代码允许的字符")]
    InvalidChar { position: usize, found: char },
    #[error("校验位错误：应为{expected}，实际为{actual}")]
    CheckChar { expected: char, actual: char },
}

impl UsccError {
    /// True when the code is well-formed and only its check character is
    /// wrong: the one failure an authority may override with
    /// [`Uscc::parse_legacy`].
    pub fn is_check_char_only(&self) -> bool {
        matches!(self, UsccError::CheckChar { .. })
    }
}

/// Whether positions 9–17 form a valid 组织机构代码 (GB 11714): the 17th character is the
/// organisation code's own check character over positions 9–16. Real codes pass; a failure is a
/// warning an authority may override with a recorded reason (early transition-era codes fail it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgCodeStatus {
    Valid,
    Mismatch { expected: char, actual: char },
}

/// Weights of GB 11714 over the 8 body characters of the organisation code.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// The GB 11714 check character of an 8-character organisation-code body: digits count their
/// value, letters A–Z 10–35; C = 11 − (Σ vᵢ·wᵢ mod 11), with 10 → 'X' and 11 → '0'.
fn org_check_char(body: &[char]) -> char {
    let sum: u32 = body.iter().zip(ORG_WEIGHTS).map(|(c, w)| c.to_digit(36).unwrap_or(0) * w).sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10).unwrap_or('0'),
    }
}

/// Whether a code's 18th character matches the one computed from the first 17.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckCharStatus {
    Valid,
    Mismatch { expected: char, actual: char },
}

impl Uscc {
    /// Normalises `input` (trims, full-width → ASCII, upper case) and accepts
    /// it only if it is a complete code with a correct check character.
    pub fn parse(input: &str) -> Result<Uscc, UsccError> {
        let (code, status) = Uscc::parse_legacy(input)?;
        match status {
            CheckCharStatus::Valid => Ok(code),
            CheckCharStatus::Mismatch { expected, actual } => Err(UsccError::CheckChar { expected, actual }),
        }
    }

    /// Like [`Uscc::parse`], but accepts a code whose only fault is its check
    /// character, returning the mismatch alongside it. For an authority that
    /// has verified a transition-era code by other means; the caller records
    /// who accepted it and why.
    pub fn parse_legacy(input: &str) -> Result<(Uscc, CheckCharStatus), UsccError> {
        let normalised = normalise_code(input);
        let chars: Vec<char> = normalised.chars().collect();
        if chars.is_empty() {
            return Err(UsccError::Empty);
        }
        if chars.len() != LEN {
            return Err(UsccError::WrongLength { actual: chars.len() });
        }
        values_of(&chars)?;
        let code = Uscc(normalised);
        let status = code.check_char_status();
        Ok((code, status))
    }

    /// Completes the first 17 characters with their check character; handy
    /// for demo and test data. The input is normalised like [`Uscc::parse`].
    pub fn with_check_char(first17: &str) -> Result<Uscc, UsccError> {
        let mut normalised = normalise_code(first17);
        let chars: Vec<char> = normalised.chars().collect();
        if chars.len() != LEN - 1 {
            return Err(UsccError::WrongPrefixLength { actual: chars.len() });
        }
        let values = values_of(&chars)?;
        normalised.push(check_char_for(&values));
        Ok(Uscc(normalised))
    }

    /// Completes the first 16 characters with the organisation code's check character (GB 11714)
    /// and the code's own (GB 32100): a code valid under both checks, for demo and test data.
    pub fn with_check_chars(first16: &str) -> Result<Uscc, UsccError> {
        let normalised = normalise_code(first16);
        let chars: Vec<char> = normalised.chars().collect();
        if chars.len() != LEN - 2 {
            return Err(UsccError::WrongPrefixLength { actual: chars.len() + 1 });
        }
        values_of(&chars)?;
        Uscc::with_check_char(&format!("{normalised}{}", org_check_char(&chars[8..16])))
    }

    /// Checks positions 9–17 as a 组织机构代码 (GB 11714); see [`OrgCodeStatus`].
    pub fn org_code_status(&self) -> OrgCodeStatus {
        let chars: Vec<char> = self.0.chars().collect();
        let expected = org_check_char(&chars[8..16]);
        let actual = chars[16];
        if expected == actual { OrgCodeStatus::Valid } else { OrgCodeStatus::Mismatch { expected, actual } }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Compares the stored check character with the computed one. Always
    /// [`CheckCharStatus::Valid`] for a code from [`Uscc::parse`].
    pub fn check_char_status(&self) -> CheckCharStatus {
        let chars: Vec<char> = self.0.chars().collect();
        // The constructors guarantee 18 characters from the charset.
        let values: Vec<u32> = chars.iter().take(LEN - 1).filter_map(|&c| value_of(c)).collect();
        let expected = check_char_for(&values);
        let actual = chars.last().copied().unwrap_or(expected);
        if expected == actual { CheckCharStatus::Valid } else { CheckCharStatus::Mismatch { expected, actual } }
    }

    /// Position 1: the registration authority (登记管理部门代码).
    pub fn authority_code(&self) -> char {
        self.char_at(0)
    }

    /// Chinese name of the registration authority, where the standard's
    /// table is known to us.
    pub fn authority_name(&self) -> Option<&'static str> {
        authority_name(self.authority_code())
    }

    /// Position 2: the organisation category (机构类别代码), meaningful only
    /// together with the authority.
    pub fn category_code(&self) -> char {
        self.char_at(1)
    }

    /// Chinese name of the organisation category, where known.
    pub fn category_name(&self) -> Option<&'static str> {
        category_name(self.authority_code(), self.category_code())
    }

    /// Positions 3–8: the GB/T 2260 code of the registering office's region.
    pub fn region_code(&self) -> &str {
        // ASCII only, so byte offsets are character offsets.
        &self.0[2..8]
    }

    fn char_at(&self, index: usize) -> char {
        self.0.as_bytes().get(index).map_or('?', |&b| char::from(b))
    }
}

fn value_of(c: char) -> Option<u32> {
    CHARSET.find(c).and_then(|i| u32::try_from(i).ok())
}

/// Values of every character, or the first one outside the charset.
fn values_of(chars: &[char]) -> Result<Vec<u32>, UsccError> {
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| value_of(c).ok_or(UsccError::InvalidChar { position: i + 1, found: c }))
        .collect()
}

/// C18 = charset[(31 − Σ vᵢ·wᵢ mod 31) mod 31] over the first 17 values.
fn check_char_for(values: &[u32]) -> char {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let index = (MODULUS - sum % MODULUS) % MODULUS;
    CHARSET.as_bytes().get(index as usize).map_or('0', |&b| char::from(b))
}

fn authority_name(authority: char) -> Option<&'static str> {
    Some(match authority {
        '1' => "机构编制",
        '2' => "外交",
        '3' => "司法行政",
        '4' => "文化",
        '5' => "民政",
        '6' => "旅游",
        '7' => "宗教",
        '8' => "工会",
        '9' => "工商",
        'A' => "中央军委改革和编制办公室",
        'N' => "农业",
        'Y' => "其他",
        _ => return None,
    })
}

fn category_name(authority: char, category: char) -> Option<&'static str> {
    Some(match (authority, category) {
        ('1', '1') => "机关",
        ('1', '2') => "事业单位",
        ('1', '3') => "中央编办直接管理机构编制的群众团体",
        ('1', '9') | ('5', '9') => "其他",
        ('5', '1') => "社会团体",
        ('5', '2') => "民办非企业单位",
        ('5', '3') => "基金会",
        ('9', '1') => "企业",
        ('9', '2') => "个体工商户",
        ('9', '3') => "农民专业合作社",
        // Sub-codes under 农业 are background knowledge, not read in a source
        // (programme.md §3, tagged [I]).
        ('N', '1') => "组级农村集体经济组织",
        ('N', '2') => "村级农村集体经济组织",
        ('N', '3') => "乡镇级农村集体经济组织",
        _ => return None,
    })
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Uscc {
    type Err = UsccError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uscc::parse(s)
    }
}

impl TryFrom<String> for Uscc {
    type Error = UsccError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Uscc::parse(&s)
    }
}

impl From<Uscc> for String {
    fn from(code: Uscc) -> String {
        code.0
    }
}

/// Serde adapter for a field that may hold an authority-accepted code with a
/// wrong check character (`#[serde(with = "…::uscc::legacy_serde")]`). The
/// default impls reject such codes, so a stored legacy code would otherwise
/// fail to load; format errors are still rejected.
pub mod legacy_serde {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Uscc;

    pub fn serialize<S: Serializer>(code: &Uscc, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(code.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Uscc, D::Error> {
        let text = String::deserialize(deserializer)?;
        Uscc::parse_legacy(&text).map(|(code, _)| code).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = "91350100M000100Y43";

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        let mut w = 1;
        for expected in WEIGHTS {
            assert_eq!(w, expected);
            w = w * 3 % MODULUS;
        }
    }

    #[test]
    fn standard_example_parses_with_its_parts() {
        let code = Uscc::parse(EXAMPLE).unwrap();
        assert_eq!(code.as_str(), EXAMPLE);
        assert_eq!(code.to_string(), EXAMPLE);
        assert_eq!(code.check_char_status(), CheckCharStatus::Valid);
        assert_eq!(code.authority_code(), '9');
        assert_eq!(code.authority_name(), Some("工商"));
        assert_eq!(code.category_code(), '1');
        assert_eq!(code.category_name(), Some("企业"));
        assert_eq!(code.region_code(), "350100");
    }

    #[test]
    fn every_single_character_corruption_is_rejected() {
        let original: Vec<char> = EXAMPLE.chars().collect();
        // Lower-case letters normalise to upper case, so they are left out.
        let outside_charset = ['I', 'O', 'S', 'V', 'Z', '-', ' ', '统', '!'];
        let mut tried = 0;
        for position in 0..LEN {
            for replacement in CHARSET.chars().chain(outside_charset) {
                if replacement == original[position] {
                    continue;
                }
                let mut corrupted = original.clone();
                corrupted[position] = replacement;
                let corrupted: String = corrupted.into_iter().collect();
                let err = Uscc::parse(&corrupted).unwrap_err();
                tried += 1;
                if CHARSET.contains(replacement) {
                    // Every weight is coprime with 31, so any substitution
                    // within the charset changes the sum mod 31.
                    assert!(err.is_check_char_only(), "{corrupted}: {err}");
                    let (legacy, status) = Uscc::parse_legacy(&corrupted).unwrap();
                    assert_eq!(legacy.as_str(), corrupted);
                    assert!(matches!(status, CheckCharStatus::Mismatch { .. }), "{corrupted}");
                } else if replacement == ' ' && (position == 0 || position == LEN - 1) {
                    // A space at either end is trimmed away.
                    assert_eq!(err, UsccError::WrongLength { actual: 17 });
                } else {
                    assert_eq!(err, UsccError::InvalidChar { position: position + 1, found: replacement });
                    assert_eq!(Uscc::parse_legacy(&corrupted).unwrap_err(), err);
                }
            }
        }
        assert_eq!(tried, LEN * (30 + 9));
    }

    #[test]
    fn error_messages_are_clear_chinese() {
        assert_eq!(Uscc::parse("91350100M000100Y4").unwrap_err().to_string(), "统一社会信用代码应为18位，实际为17位");
        assert_eq!(
            Uscc::parse("9135I100M000100Y43").unwrap_err().to_string(),
            "第5位字符“I”不是统一社会信用代码允许的字符"
        );
        assert_eq!(Uscc::parse("91350100M000100Y4X").unwrap_err().to_string(), "校验位错误：应为3，实际为X");
        assert_eq!(Uscc::parse("  ").unwrap_err(), UsccError::Empty);
    }

    #[test]
    fn full_width_lower_case_and_padded_input_normalises() {
        let code = Uscc::parse("\u{3000}９１３５０１００ｍ０００１００ｙ４３ ").unwrap();
        assert_eq!(code.as_str(), EXAMPLE);
        assert_eq!(Uscc::parse(" 91350100m000100y43\n").unwrap().as_str(), EXAMPLE);
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(Uscc::parse("统一社会信用代码").unwrap_err(), UsccError::WrongLength { actual: 8 });
    }

    #[test]
    fn transition_era_code_is_only_accepted_as_legacy() {
        // A real code from the 2015–2016 transition that fails the check.
        let legacy = "91350100M0001TGQXM";
        let err = Uscc::parse(legacy).unwrap_err();
        assert_eq!(err, UsccError::CheckChar { expected: '1', actual: 'M' });
        assert!(err.is_check_char_only());
        let (code, status) = Uscc::parse_legacy(legacy).unwrap();
        assert_eq!(code.as_str(), legacy);
        assert_eq!(status, CheckCharStatus::Mismatch { expected: '1', actual: 'M' });
        assert_eq!(code.check_char_status(), status);
        assert!(!UsccError::WrongLength { actual: 3 }.is_check_char_only());
    }

    #[test]
    fn check_char_generation_round_trips() {
        assert_eq!(Uscc::with_check_char("91350100M000100Y4").unwrap().as_str(), EXAMPLE);
        // Every charset character as the last of 17, at several prefixes.
        for prefix in ["91110108MA01ABCD", "92440300L12345678", "12100000400000000"] {
            for c in CHARSET.chars() {
                let first17: String = prefix.chars().take(16).chain([c]).collect();
                let code = Uscc::with_check_char(&first17).unwrap();
                assert_eq!(&code.as_str()[..17], first17);
                assert_eq!(Uscc::parse(code.as_str()).unwrap(), code);
            }
        }
        assert_eq!(Uscc::with_check_char("９１３５０１００Ｍ０００１００Ｙ４").unwrap().as_str(), EXAMPLE);
    }

    #[test]
    fn check_char_generation_rejects_bad_prefixes() {
        assert_eq!(Uscc::with_check_char(EXAMPLE).unwrap_err(), UsccError::WrongPrefixLength { actual: 18 });
        assert_eq!(
            Uscc::with_check_char("9135010OM000100Y4").unwrap_err(),
            UsccError::InvalidChar { position: 8, found: 'O' }
        );
    }

    #[test]
    fn names_are_given_only_where_the_tables_list_them() {
        let school = Uscc::with_check_char("12100000400000000").unwrap();
        assert_eq!(school.authority_name(), Some("机构编制"));
        assert_eq!(school.category_name(), Some("事业单位"));
        let unknown = Uscc::with_check_char("2X100000400000000").unwrap();
        assert_eq!(unknown.authority_name(), Some("外交"));
        assert_eq!(unknown.category_name(), None);
        let none = Uscc::with_check_char("B1100000400000000").unwrap();
        assert_eq!(none.authority_name(), None);
    }

    #[test]
    fn serde_uses_the_string_and_validates_on_the_way_in() {
        let code = Uscc::parse(EXAMPLE).unwrap();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, format!("\"{EXAMPLE}\""));
        assert_eq!(serde_json::from_str::<Uscc>(&json).unwrap(), code);
        assert_eq!(serde_json::from_str::<Uscc>("\"９１３５０１００Ｍ０００１００Ｙ４３\"").unwrap(), code);
        let err = serde_json::from_str::<Uscc>("\"91350100M000100Y44\"").unwrap_err();
        assert!(err.to_string().contains("校验位错误"), "{err}");
    }

    #[test]
    fn legacy_serde_loads_accepted_codes_but_not_malformed_ones() {
        #[derive(Serialize, Deserialize)]
        struct Record {
            #[serde(with = "legacy_serde")]
            uscc: Uscc,
        }
        let record: Record = serde_json::from_str(r#"{"uscc":"91350100M0001TGQXM"}"#).unwrap();
        assert_eq!(record.uscc.as_str(), "91350100M0001TGQXM");
        assert_eq!(serde_json::to_string(&record).unwrap(), r#"{"uscc":"91350100M0001TGQXM"}"#);
        assert!(serde_json::from_str::<Record>(r#"{"uscc":"91350100M0001TGQX"}"#).is_err());
    }

    #[test]
    fn organisation_code_check_of_gb_11714() {
        // The standard example passes both checks.
        let u = Uscc::parse("91350100M000100Y43").unwrap();
        assert_eq!(u.org_code_status(), OrgCodeStatus::Valid);
        // A well-formed code whose 17th character is not the organisation check character.
        let u = Uscc::with_check_char("91110000000000001").unwrap();
        assert_eq!(u.org_code_status(), OrgCodeStatus::Mismatch { expected: '0', actual: '1' });
        // 10 → X, 11 → 0.
        assert_eq!(org_check_char(&"D2143569".chars().collect::<Vec<_>>()), 'X');
        assert_eq!(org_check_char(&"00000000".chars().collect::<Vec<_>>()), '0');
        let both = Uscc::with_check_chars("91320102MA1X2Y3A").unwrap();
        assert_eq!(both.as_str(), "91320102MA1X2Y3A33");
        assert_eq!(both.org_code_status(), OrgCodeStatus::Valid);
        assert_eq!(both.check_char_status(), CheckCharStatus::Valid);
        assert!(Uscc::with_check_chars("91320102MA1X2Y3").is_err());
    }
}
