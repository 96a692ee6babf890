//! Classifying an enterprise: the figures it reports, the outcome with its trace, and the Chinese
//! explanation an officer can read back to the enterprise.

use serde::{Deserialize, Serialize};

use super::*;
use crate::enterprise::industry_code::{IndustryCode, IndustryCodeError};
use crate::money::Fen;

/// Fen in one 万元 (10 000 元 × 100 分).
pub(super) const FEN_PER_WAN: i64 = 1_000_000;

/// Why an enterprise could not be classified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeClassError {
    #[error(transparent)]
    IndustryCode(#[from] IndustryCodeError),
    #[error("行业代码{code}不够具体：其下的{example}等适用不同的划型标准，请填写更细一级的行业代码")]
    IndustryTooCoarse { code: String, example: String },
    #[error("行业代码{code}属于{name}，不按本标准划型：{reason}")]
    NotCovered { code: String, name: String, reason: String },
    #[error("按“{group}”划型需要{indicator}，但未提供")]
    MissingInput { group: String, indicator: Indicator },
    #[error("{indicator}不能为负数")]
    NegativeAmount { indicator: Indicator },
}

/// The figures the standard classifies by (prior-year data). Only those the
/// enterprise's industry group uses are required.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeInputs {
    /// 从业人员, persons.
    pub employees: Option<u32>,
    /// 营业收入.
    pub revenue: Option<Fen>,
    /// 资产总额.
    pub assets: Option<Fen>,
}

/// A classification with everything needed to explain or re-check it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SizeOutcome {
    pub class: SizeClass,
    pub rules_id: String,
    pub rules_revision: u32,
    pub instrument: String,
    pub industry_code: IndustryCode,
    pub group_key: String,
    pub group_name: String,
    /// The listed code that matched; `None` when the fallback group applied.
    pub matched_code: Option<IndustryCode>,
    pub thresholds: Thresholds,
    pub inputs: SizeInputs,
    /// Chinese, one paragraph: the industry match, each test and its result.
    pub explanation: String,
}

/// Classifies an enterprise of GB/T 4754-2017 industry `industry_code`.
pub fn classify(rules: &SizeRules, industry_code: &str, inputs: SizeInputs) -> Result<SizeOutcome, SizeClassError> {
    let code = IndustryCode::parse(industry_code)?;
    let (group, matched_code) = rules.resolve(&code)?;
    let thresholds = group.thresholds;

    let mut values = Vec::new();
    for (indicator, _) in thresholds.ceiling.indicators() {
        values.push(Measured::take(indicator, &inputs, &group.name)?);
    }

    let is_sme = values.iter().any(|m| !m.at_least(thresholds.ceiling));
    let medium = values.iter().all(|m| m.at_least(thresholds.medium));
    let small = values.iter().all(|m| m.at_least(thresholds.small));
    let class = match (is_sme, medium, small) {
        (false, ..) => SizeClass::NotSme,
        (true, true, _) => SizeClass::Medium,
        (true, false, true) => SizeClass::Small,
        (true, false, false) => SizeClass::Micro,
    };

    let explanation = explain(rules, &code, group, matched_code, &values, class);
    Ok(SizeOutcome {
        class,
        rules_id: rules.id.clone(),
        rules_revision: rules.revision,
        instrument: rules.instrument.clone(),
        industry_code: code,
        group_key: group.key.clone(),
        group_name: group.name.clone(),
        matched_code: matched_code.cloned(),
        thresholds,
        inputs,
        explanation,
    })
}

/// One input value, checked present and non-negative.
#[derive(Clone, Copy, Debug)]
struct Measured {
    indicator: Indicator,
    value: Value,
}

#[derive(Clone, Copy, Debug)]
enum Value {
    Persons(u32),
    Money(Fen),
}

impl Measured {
    fn take(indicator: Indicator, inputs: &SizeInputs, group: &str) -> Result<Measured, SizeClassError> {
        let missing = || SizeClassError::MissingInput { group: group.to_owned(), indicator };
        let value = match indicator {
            Indicator::Employees => Value::Persons(inputs.employees.ok_or_else(missing)?),
            Indicator::Revenue => Value::Money(inputs.revenue.ok_or_else(missing)?),
            Indicator::Assets => Value::Money(inputs.assets.ok_or_else(missing)?),
        };
        if let Value::Money(Fen(fen)) = value
            && fen < 0
        {
            return Err(SizeClassError::NegativeAmount { indicator });
        }
        Ok(Measured { indicator, value })
    }

    /// Whether the value reaches this row's bound ("及以上"). A row without
    /// the indicator cannot occur: validation makes all rows use the same ones.
    fn at_least(&self, bounds: Bounds) -> bool {
        let Some(bound) = bounds.get(self.indicator) else {
            return true;
        };
        match self.value {
            Value::Persons(n) => n >= bound,
            Value::Money(Fen(fen)) => fen >= i64::from(bound) * FEN_PER_WAN,
        }
    }

    fn describe(&self) -> String {
        match self.value {
            Value::Persons(n) => format!("{}{n}人", self.indicator),
            Value::Money(Fen(fen)) => format!("{}{}万元", self.indicator, fen_as_wan(fen)),
        }
    }
}

/// Exact decimal 万元 for a non-negative fen amount: 2_500_000_000 → "2500",
/// 1_999_999_900 → "1999.9999".
fn fen_as_wan(fen: i64) -> String {
    let whole = fen / FEN_PER_WAN;
    let frac = fen % FEN_PER_WAN;
    if frac == 0 {
        whole.to_string()
    } else {
        let digits = format!("{frac:06}");
        format!("{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// "从业人员300人及以上且营业收入2000万元及以上" (joiner "且") or
/// "从业人员1000人以下或营业收入40000万元以下" (joiner "或").
fn describe_row(bounds: Bounds, suffix: &str, joiner: &str) -> String {
    bounds.indicators().map(|(i, v)| format!("{i}{v}{}{suffix}", i.unit())).collect::<Vec<_>>().join(joiner)
}

/// The measured values that fall short of a row, e.g. "营业收入1999.99万元，不足2000万元".
fn shortfalls(values: &[Measured], bounds: Bounds) -> String {
    values
        .iter()
        .filter(|m| !m.at_least(bounds))
        .map(|m| format!("{}，不足{}{}", m.describe(), bounds.get(m.indicator).unwrap_or(0), m.indicator.unit()))
        .collect::<Vec<_>>()
        .join("；")
}

fn explain(
    rules: &SizeRules,
    code: &IndustryCode,
    group: &IndustryGroup,
    matched_code: Option<&IndustryCode>,
    values: &[Measured],
    class: SizeClass,
) -> String {
    let t = group.thresholds;
    let matched = match matched_code {
        Some(m) if m == code => String::new(),
        Some(m) => format!("（按{m}匹配）"),
        None => "（未单独列明，按兜底行业）".to_owned(),
    };
    let mut text = format!(
        "行业代码{code}归入“{}”{matched}，依据{}（规则{}第{}版）划型。本企业{}。",
        group.name,
        rules.instrument,
        rules.id,
        rules.revision,
        values.iter().map(Measured::describe).collect::<Vec<_>>().join("，"),
    );
    let ceiling = describe_row(t.ceiling, "以下", "或");
    if class == SizeClass::NotSme {
        let all = if values.len() > 1 { "均" } else { "" };
        text.push_str(&format!("中小微型企业须{ceiling}，本企业{all}不满足，不属于中小微型企业。"));
        return text;
    }
    let under: Vec<String> = values
        .iter()
        .filter(|m| !m.at_least(t.ceiling))
        .map(|m| format!("{}低于{}{}", m.describe(), t.ceiling.get(m.indicator).unwrap_or(0), m.indicator.unit()))
        .collect();
    text.push_str(&format!("中小微型企业须{ceiling}：{}，属于中小微型企业。", under.join("，")));
    let medium = describe_row(t.medium, "及以上", "且");
    if class == SizeClass::Medium {
        text.push_str(&format!("满足中型企业标准（{medium}），划为中型企业。"));
        return text;
    }
    text.push_str(&format!("不满足中型企业标准（{medium}）：{}。", shortfalls(values, t.medium)));
    let small = describe_row(t.small, "及以上", "且");
    if class == SizeClass::Small {
        text.push_str(&format!("满足小型企业标准（{small}），划为小型企业。"));
    } else {
        text.push_str(&format!("不满足小型企业标准（{small}）：{}，划为微型企业。", shortfalls(values, t.small)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enterprise::size_class::tests::*;
    /// For every group: exactly at each bound and one unit (person or fen)
    /// below it.
    #[test]
    fn boundaries_of_every_row() {
        let r = rules();
        for group in r.groups() {
            let code = SAMPLE_CODES.iter().find(|(key, _)| *key == group.key).map(|&(_, code)| code).unwrap();
            let t = group.thresholds;
            let class = |i: SizeInputs| {
                let outcome = classify(&r, code, i).unwrap();
                assert_eq!(outcome.group_key, group.key);
                outcome.class
            };
            // At the ceiling on every indicator: not an SME.
            assert_eq!(class(at(t.ceiling, None)), SizeClass::NotSme, "{}", group.name);
            for (indicator, _) in t.ceiling.indicators() {
                // One indicator just under the ceiling is enough ("或"); the
                // others stay above the medium bounds, so it is medium.
                assert_eq!(class(at(t.ceiling, Some(indicator))), SizeClass::Medium, "{} {indicator}", group.name);
                // One indicator just under the medium bound: small ("且").
                assert_eq!(class(at(t.medium, Some(indicator))), SizeClass::Small, "{} {indicator}", group.name);
                // One indicator just under the small bound: micro.
                assert_eq!(class(at(t.small, Some(indicator))), SizeClass::Micro, "{} {indicator}", group.name);
            }
            assert_eq!(class(at(t.medium, None)), SizeClass::Medium, "{}", group.name);
            assert_eq!(class(at(t.small, None)), SizeClass::Small, "{}", group.name);
        }
    }

    #[test]
    fn the_ceiling_is_either_indicator() {
        // 工业: 5000 staff but revenue under 40000万元 is still an SME; with
        // revenue 1000万元 it misses the medium revenue bound but is small.
        assert_eq!(class_of("C3670", inputs(Some(5000), Some(wan(39_999)), None)), SizeClass::Medium);
        assert_eq!(class_of("C3670", inputs(Some(5000), Some(wan(1000)), None)), SizeClass::Small);
        // Few staff and a huge revenue: SME, and micro because staff < 20.
        assert_eq!(class_of("C3670", inputs(Some(10), Some(wan(100_000)), None)), SizeClass::Micro);
        assert_eq!(class_of("C3670", inputs(Some(1000), Some(wan(40_000)), None)), SizeClass::NotSme);
    }

    #[test]
    fn single_indicator_groups_ignore_other_figures() {
        assert_eq!(class_of("A0111", inputs(None, Some(wan(20_000)), None)), SizeClass::NotSme);
        assert_eq!(class_of("A0111", inputs(Some(5000), Some(Fen(wan(20_000).0 - 1)), None)), SizeClass::Medium);
        assert_eq!(class_of("A0111", inputs(None, Some(wan(50)), None)), SizeClass::Small);
        assert_eq!(class_of("A0111", inputs(None, Some(Fen(0)), None)), SizeClass::Micro);
        assert_eq!(class_of("M7320", inputs(Some(300), None, None)), SizeClass::NotSme);
        assert_eq!(class_of("M7320", inputs(Some(9), Some(wan(1_000_000)), None)), SizeClass::Micro);
    }

    #[test]
    fn missing_or_negative_inputs_name_the_indicator() {
        let err = classify(&rules(), "C3670", inputs(Some(100), None, None)).unwrap_err();
        assert_eq!(err, SizeClassError::MissingInput { group: "工业".into(), indicator: Indicator::Revenue });
        assert_eq!(err.to_string(), "按“工业”划型需要营业收入，但未提供");
        let err = classify(&rules(), "E4720", inputs(None, Some(wan(1)), None)).unwrap_err();
        assert_eq!(err, SizeClassError::MissingInput { group: "建筑业".into(), indicator: Indicator::Assets });
        let err = classify(&rules(), "L7212", inputs(Some(10), None, Some(Fen(-1)))).unwrap_err();
        assert_eq!(err, SizeClassError::NegativeAmount { indicator: Indicator::Assets });
    }

    #[test]
    fn outcome_carries_a_trace_and_a_chinese_explanation() {
        let outcome = classify(&rules(), "3670", inputs(Some(350), Some(Fen(1_999_990_000)), None)).unwrap();
        assert_eq!(outcome.class, SizeClass::Small);
        assert_eq!(outcome.class.label(), "小型");
        assert_eq!(outcome.industry_code.as_str(), "C3670");
        assert_eq!(outcome.group_key, "industry");
        assert_eq!(outcome.group_name, "工业");
        assert_eq!(outcome.matched_code.as_ref().map(IndustryCode::as_str), Some("C"));
        assert_eq!(outcome.rules_id, "size-class-2011");
        assert_eq!(outcome.thresholds.medium.revenue_wan, Some(2000));
        assert_eq!(
            outcome.explanation,
            "行业代码C3670归入“工业”（按C匹配），依据工信部联企业〔2011〕300号《中小企业划型标准规定》\
             （规则size-class-2011第1版）划型。本企业从业人员350人，营业收入1999.99万元。\
             中小微型企业须从业人员1000人以下或营业收入40000万元以下：从业人员350人低于1000人，\
             营业收入1999.99万元低于40000万元，属于中小微型企业。\
             不满足中型企业标准（从业人员300人及以上且营业收入2000万元及以上）：营业收入1999.99万元，不足2000万元。\
             满足小型企业标准（从业人员20人及以上且营业收入300万元及以上），划为小型企业。"
        );
        let json = serde_json::to_value(&outcome).unwrap();
        assert_eq!(json["class"], "small");
        assert_eq!(json["inputs"]["revenue"], 1_999_990_000_i64);

        let farm = classify(&rules(), "A0111", inputs(None, Some(wan(20_000)), None)).unwrap();
        assert!(
            farm.explanation.ends_with("中小微型企业须营业收入20000万元以下，本企业不满足，不属于中小微型企业。"),
            "{}",
            farm.explanation
        );

        let micro = classify(&rules(), "M7320", inputs(Some(3), None, None)).unwrap();
        assert_eq!(micro.matched_code, None);
        assert!(micro.explanation.contains("（未单独列明，按兜底行业）"), "{}", micro.explanation);
        assert!(micro.explanation.ends_with("从业人员3人，不足10人，划为微型企业。"), "{}", micro.explanation);

        let large = classify(&rules(), "C3670", inputs(Some(1000), Some(wan(50_000)), None)).unwrap();
        assert!(large.explanation.ends_with("本企业均不满足，不属于中小微型企业。"), "{}", large.explanation);
    }

    #[test]
    fn labels() {
        assert_eq!(SizeClass::Medium.label(), "中型");
        assert_eq!(SizeClass::Micro.label(), "微型");
        assert_eq!(SizeClass::NotSme.label(), "非中小企业");
        assert!(!SizeClass::NotSme.is_sme());
        assert_eq!(fen_as_wan(2_500_000_000), "2500");
        assert_eq!(fen_as_wan(1), "0.000001");
    }
}
