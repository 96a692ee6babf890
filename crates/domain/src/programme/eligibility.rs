//! Entry check for the pilot-enterprise pool (试点企业库, programme.md §5.3): one explained
//! outcome per criterion the programme switches on, in a fixed order, so the city's reviewer sees
//! every reason at once and can read it back to the enterprise.

use serde::{Deserialize, Serialize};

use super::rules::Programme;
use crate::codes::regions::RegionList;
use crate::enterprise::IndustryCode;
use crate::enterprise::profile::size_from_code;
use crate::region::RegionCode;

/// What the platform knows about the enterprise when it applies.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseFacts {
    /// GB/T 2260 code of the registered address.
    pub region_code: String,
    /// GB/T 4754-2017 code of the primary industry.
    pub industry_code: String,
    /// Size class as the enterprise module stores it: "medium", "small", "micro" or "not_sme"
    /// (`enterprise::profile::size_code`); "large" is read as not an SME; `None` = not classified.
    pub size_class: Option<String>,
    /// 规上: above designated size.
    pub above_scale: bool,
    /// On the 严重失信主体名单.
    pub serious_dishonesty: bool,
    /// Names of other programmes that funded the same work.
    pub funded_elsewhere: Vec<String>,
    /// A baseline (pre-transformation) self-assessment is on file.
    pub has_baseline_assessment: bool,
}

/// An entry criterion, in the order [`check`] reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EligibilityRule {
    Sme,
    Local,
    SubIndustry,
    NoSeriousDishonesty,
    NotDoubleFunded,
    BaselineAssessment,
    AboveScale,
}

coded!(EligibilityRule [
    /// The stable snake_case code (same as the serde form).
    code, label_zh
], pub fn parse(code | label_zh) {
    Sme => "sme", "中小企业";
    Local => "local", "本地注册";
    SubIndustry => "sub_industry", "属于试点细分行业";
    NoSeriousDishonesty => "no_serious_dishonesty", "无严重失信";
    NotDoubleFunded => "not_double_funded", "未重复获得资金支持";
    BaselineAssessment => "baseline_assessment", "已完成改造前自评测";
    AboveScale => "above_scale", "规模以上企业";
});

impl EligibilityRule {
    /// Whether `p` switches this rule on.
    pub fn applies(self, p: &Programme) -> bool {
        let e = p.eligibility();
        match self {
            EligibilityRule::Sme => e.sme_required,
            EligibilityRule::Local => e.local_required,
            EligibilityRule::SubIndustry => e.sub_industry_required,
            EligibilityRule::NoSeriousDishonesty => e.no_serious_dishonesty,
            EligibilityRule::NotDoubleFunded => e.not_double_funded,
            EligibilityRule::BaselineAssessment => e.baseline_assessment_required,
            EligibilityRule::AboveScale => e.above_scale_required,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleOutcome {
    pub rule: EligibilityRule,
    pub passed: bool,
    /// Chinese: why.
    pub explanation: String,
}

/// One outcome per rule the programme switches on, in [`EligibilityRule::ALL`] order.
pub fn check(p: &Programme, f: &EnterpriseFacts) -> Vec<RuleOutcome> {
    EligibilityRule::ALL
        .into_iter()
        .filter(|r| r.applies(p))
        .map(|rule| {
            let (passed, explanation) = match rule {
                EligibilityRule::Sme => sme(f),
                EligibilityRule::Local => local(p, f),
                EligibilityRule::SubIndustry => sub_industry(p, f),
                EligibilityRule::NoSeriousDishonesty => {
                    if f.serious_dishonesty {
                        (false, "企业列入严重失信主体名单，不得入库".to_owned())
                    } else {
                        (true, "企业未列入严重失信主体名单".to_owned())
                    }
                }
                EligibilityRule::NotDoubleFunded => not_double_funded(f),
                EligibilityRule::BaselineAssessment => {
                    if f.has_baseline_assessment {
                        (true, "已提交改造前数字化水平自评测".to_owned())
                    } else {
                        (false, "尚未提交改造前数字化水平自评测".to_owned())
                    }
                }
                EligibilityRule::AboveScale => {
                    if f.above_scale {
                        (true, "企业为规模以上企业".to_owned())
                    } else {
                        (false, "企业不是规模以上企业，本试点只接受规上企业".to_owned())
                    }
                }
            };
            RuleOutcome { rule, passed, explanation }
        })
        .collect()
}

/// True when every outcome passed (and vacuously for a programme with no entry criteria).
pub fn eligible(outcomes: &[RuleOutcome]) -> bool {
    outcomes.iter().all(|o| o.passed)
}

/// The failed outcomes' explanations joined, for a rejection reason; empty when all passed.
pub fn failures_zh(outcomes: &[RuleOutcome]) -> String {
    outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| format!("{}：{}", o.rule.label_zh(), o.explanation))
        .collect::<Vec<_>>()
        .join("；")
}

fn sme(f: &EnterpriseFacts) -> (bool, String) {
    let Some(code) = f.size_class.as_deref().map(str::trim) else {
        return (false, "企业尚未划型，无法确认是否为中小企业".to_owned());
    };
    if code == "large" {
        return (false, "企业划型为大型企业，不属于中小企业".to_owned());
    }
    match size_from_code(code) {
        Some(class) if class.is_sme() => (true, format!("企业划型为{}企业，属于中小企业", class.label())),
        Some(_) => (false, "企业划型为非中小企业".to_owned()),
        None => (false, format!("划型结果“{code}”无法识别，无法确认是否为中小企业")),
    }
}

/// "南京市（320100）", or the bare code when the list does not have it.
fn region_name(code: &str) -> String {
    match RegionList::embedded().path(code) {
        Some(path) if !path.is_empty() => format!("{}（{code}）", path.concat()),
        _ => code.to_owned(),
    }
}

fn local(p: &Programme, f: &EnterpriseFacts) -> (bool, String) {
    let programme_region = region_name(p.region());
    match RegionCode::parse(&f.region_code) {
        Err(_) => {
            (false, format!("企业所在地行政区划代码“{}”无效，无法确认是否属于{programme_region}", f.region_code.trim()))
        }
        Ok(region) if p.region_code().contains(&region) => {
            (true, format!("企业所在地{}属于{programme_region}", region_name(region.as_str())))
        }
        Ok(region) => (false, format!("企业所在地{}不属于{programme_region}", region_name(region.as_str()))),
    }
}

fn sub_industry(p: &Programme, f: &EnterpriseFacts) -> (bool, String) {
    let code = match IndustryCode::parse(&f.industry_code) {
        Ok(code) => code,
        Err(e) => return (false, format!("行业代码无效：{e}")),
    };
    match p.sub_industry_match(code.as_str()) {
        Some((rule, listed)) => (true, format!("行业代码{code}属于试点细分行业“{}”（{listed}）", rule.name)),
        None => {
            let names: Vec<String> = p.sub_industries().iter().map(|s| format!("“{}”", s.name)).collect();
            (false, format!("行业代码{code}不属于本试点的细分行业（{}）", names.join("、")))
        }
    }
}

fn not_double_funded(f: &EnterpriseFacts) -> (bool, String) {
    let others: Vec<String> =
        f.funded_elsewhere.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).map(|s| format!("“{s}”")).collect();
    if others.is_empty() {
        (true, "同一改造内容未获其他专项资金支持".to_owned())
    } else {
        (false, format!("同一改造内容已获{}支持，不得重复申报", others.join("、")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programme(id: &str) -> Programme {
        Programme::builtin().unwrap().into_iter().find(|p| p.id() == id).unwrap()
    }

    fn good() -> EnterpriseFacts {
        EnterpriseFacts {
            region_code: "320115".into(),
            industry_code: "C3484".into(),
            size_class: Some("small".into()),
            above_scale: false,
            serious_dishonesty: false,
            funded_elsewhere: vec![],
            has_baseline_assessment: true,
        }
    }

    #[test]
    fn a_good_nanjing_enterprise_passes_every_rule() {
        let p = programme("nanjing-2024");
        let out = check(&p, &good());
        let rules: Vec<EligibilityRule> = out.iter().map(|o| o.rule).collect();
        assert_eq!(
            rules,
            [
                EligibilityRule::Sme,
                EligibilityRule::Local,
                EligibilityRule::SubIndustry,
                EligibilityRule::NoSeriousDishonesty,
                EligibilityRule::NotDoubleFunded,
                EligibilityRule::BaselineAssessment,
            ]
        );
        assert!(eligible(&out));
        assert_eq!(failures_zh(&out), "");
        let text: Vec<&str> = out.iter().map(|o| o.explanation.as_str()).collect();
        assert_eq!(
            text,
            [
                "企业划型为小型企业，属于中小企业",
                "企业所在地江苏省南京市江宁区（320115）属于江苏省南京市（320100）",
                "行业代码C3484属于试点细分行业“智能制造装备”（C34）",
                "企业未列入严重失信主体名单",
                "同一改造内容未获其他专项资金支持",
                "已提交改造前数字化水平自评测",
            ]
        );
    }

    #[test]
    fn each_failure_is_explained() {
        let p = programme("nanjing-2024");
        let f = EnterpriseFacts {
            region_code: "320205".into(),
            industry_code: "2927".into(),
            size_class: Some("not_sme".into()),
            above_scale: true,
            serious_dishonesty: true,
            funded_elsewhere: vec!["江苏省专精特新专项".into(), "  ".into()],
            has_baseline_assessment: false,
        };
        let out = check(&p, &f);
        assert!(!eligible(&out));
        assert!(out.iter().all(|o| !o.passed));
        let text: Vec<&str> = out.iter().map(|o| o.explanation.as_str()).collect();
        assert_eq!(text[0], "企业划型为非中小企业");
        assert!(text[1].starts_with("企业所在地江苏省无锡市"), "{}", text[1]);
        assert!(text[1].ends_with("（320205）不属于江苏省南京市（320100）"), "{}", text[1]);
        assert_eq!(text[2], "行业代码C2927不属于本试点的细分行业（“智能电网”、“智能制造装备”、“集成电路”）");
        assert_eq!(text[3], "企业列入严重失信主体名单，不得入库");
        assert_eq!(text[4], "同一改造内容已获“江苏省专精特新专项”支持，不得重复申报");
        assert_eq!(text[5], "尚未提交改造前数字化水平自评测");
        assert!(failures_zh(&out).starts_with("中小企业：企业划型为非中小企业；本地注册："));
    }

    #[test]
    fn unknown_or_malformed_facts_fail_with_a_reason() {
        let p = programme("nanjing-2024");
        let sme_of = |size: Option<&str>| {
            let f = EnterpriseFacts { size_class: size.map(str::to_owned), ..good() };
            check(&p, &f)[0].clone()
        };
        assert_eq!(sme_of(None).explanation, "企业尚未划型，无法确认是否为中小企业");
        assert_eq!(sme_of(Some("large")).explanation, "企业划型为大型企业，不属于中小企业");
        assert_eq!(sme_of(Some("huge")).explanation, "划型结果“huge”无法识别，无法确认是否为中小企业");
        for (code, label) in [("medium", "中型"), ("small", "小型"), ("micro", "微型")] {
            let o = sme_of(Some(code));
            assert!(o.passed && o.explanation.contains(label), "{code}");
        }
        let f = EnterpriseFacts { region_code: "32".into(), industry_code: "X1".into(), ..good() };
        let out = check(&p, &f);
        assert_eq!(out[1].explanation, "企业所在地行政区划代码“32”无效，无法确认是否属于江苏省南京市（320100）");
        assert!(!out[1].passed);
        assert!(!out[2].passed && out[2].explanation.starts_with("行业代码无效："), "{}", out[2].explanation);
        // The city's own code counts as local.
        let f = EnterpriseFacts { region_code: "320100".into(), ..good() };
        assert!(check(&p, &f)[1].passed);
    }

    #[test]
    fn zhongshan_requires_above_scale_but_no_baseline() {
        let p = programme("zhongshan-2024");
        let f = EnterpriseFacts {
            region_code: "442000".into(),
            industry_code: "C3854".into(),
            has_baseline_assessment: false,
            ..good()
        };
        let out = check(&p, &f);
        let rules: Vec<&str> = out.iter().map(|o| o.rule.code()).collect();
        assert_eq!(
            rules,
            ["sme", "local", "sub_industry", "no_serious_dishonesty", "not_double_funded", "above_scale"]
        );
        assert_eq!(out[1].explanation, "企业所在地广东省中山市（442000）属于广东省中山市（442000）");
        assert!(!eligible(&out));
        assert_eq!(out[5].explanation, "企业不是规模以上企业，本试点只接受规上企业");
        let out = check(&p, &EnterpriseFacts { above_scale: true, ..f });
        assert!(eligible(&out));
    }

    #[test]
    fn codes_and_labels() {
        for r in EligibilityRule::ALL {
            assert_eq!(EligibilityRule::parse(r.code()), Some(r));
            assert_eq!(EligibilityRule::parse(r.label_zh()), Some(r));
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{}\"", r.code()));
        }
        assert!(eligible(&[]));
        let o = RuleOutcome { rule: EligibilityRule::Local, passed: true, explanation: "x".into() };
        assert_eq!(
            serde_json::to_value(&o).unwrap(),
            serde_json::json!({"rule": "local", "passed": true, "explanation": "x"})
        );
    }
}
