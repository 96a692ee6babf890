//! The coded enums of a programme file: levels, spend categories, pool purposes, instalment
//! stages, dated steps and their dates, instalment bases and pool orders.

use serde::{Deserialize, Serialize};

use super::*;

/// Who runs the programme: a national pilot city, a provincial pilot, or a city's own scheme.
/// One enterprise can sit in several at once, each with its own rules (programme.md §5.1 D).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgrammeLevel {
    National,
    Province,
    City,
}

coded!(ProgrammeLevel [code, label_zh], pub fn parse(code | label_zh) {
    National => "national", "国家级";
    Province => "province", "省级";
    City => "city", "市级";
});

/// What an investment line buys. The first five are the usual eligible spend (programme.md §5.3
/// Yinchuan, §10.3); the last four are the usual exclusions (Xi'an). Each programme lists its own
/// exclusions in [`Programme::excluded_categories`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpendCategory {
    Software,
    Cloud,
    Gateway,
    DataAcquisition,
    Service,
    Hardware,
    OfficePc,
    Cabling,
    EmbeddedPlc,
}

coded!(SpendCategory [
    /// The stable snake_case code (same as the serde form).
    code, label_zh
], pub fn parse(code | label_zh) {
    Software => "software", "软件";
    Cloud => "cloud", "云服务";
    Gateway => "gateway", "网关路由";
    DataAcquisition => "data_acquisition", "数据采集设备";
    Service => "service", "服务";
    Hardware => "hardware", "其他硬件";
    OfficePc => "office_pc", "办公电脑";
    Cabling => "cabling", "布线工程";
    EmbeddedPlc => "embedded_plc", "嵌入式PLC软件";
});

/// What a budget pool pays for: at least [`Programme::min_enterprise_share_pct`] of the money goes
/// to enterprise transformation, the rest to public services (programme.md §5.1 B).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolPurpose {
    Enterprise,
    Services,
}

coded!(PoolPurpose [code, label_zh], pub fn parse(code | label_zh) {
    Enterprise => "enterprise", "企业数字化改造";
    Services => "services", "公共服务";
});

/// When an instalment of the subsidy is paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstalmentStage {
    /// After the contract is signed and the down payment made (Longyan's 预拨).
    AfterContract,
    /// After acceptance: takes the balance.
    AfterAcceptance,
}

coded!(InstalmentStage [code, label_zh], pub fn parse(code | label_zh) {
    AfterContract => "after_contract", "签约后预拨";
    AfterAcceptance => "after_acceptance", "验收后拨付";
});

/// A dated step of the acceptance procedure that a taper step may require by a deadline
/// (Nanjing's January 2026 notice: the district truthfulness check by one day, the on-site
/// assessment, the special financial audit and the filing by another).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatedStep {
    /// 区级真实性核查: the district officer's verify step of the acceptance.
    DistrictCheck,
    /// 第三方现场评测: the on-site assessment's submission.
    OnsiteAssessment,
    /// 专项财务审计: the financial check recorded by the city.
    FinanceAudit,
    /// 建档 (企业信息档案完善): the acceptance file completed with the assessment and the audit.
    Filing,
}

coded!(DatedStep [code, label_zh] {
    DistrictCheck => "district_check", "区级真实性核查";
    OnsiteAssessment => "onsite_assessment", "第三方现场评测";
    FinanceAudit => "finance_audit", "专项财务审计";
    Filing => "filing", "建档";
});

/// When each dated step of a project's acceptance was done (Beijing calendar days).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepDates {
    pub district_check: Option<Date>,
    pub onsite_assessment: Option<Date>,
    pub finance_audit: Option<Date>,
    pub filing: Option<Date>,
}

impl StepDates {
    pub fn of(&self, step: DatedStep) -> Option<Date> {
        match step {
            DatedStep::DistrictCheck => self.district_check,
            DatedStep::OnsiteAssessment => self.onsite_assessment,
            DatedStep::FinanceAudit => self.finance_audit,
            DatedStep::Filing => self.filing,
        }
    }
}

/// What an instalment before acceptance is a share of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstalmentBase {
    /// The award (核定补助).
    #[default]
    Award,
    /// The contract's down payment (首付金额), as Longyan's 实施细则 says.
    DownPayment,
}

/// How a budget pool is shared out when applications exceed it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolOrder {
    /// 总量控制、先到先补: in order of application until the pool is exhausted.
    #[default]
    FirstComeFirstServed,
}

coded!(PoolOrder [code, label_zh] {
    FirstComeFirstServed => "first_come_first_served", "先到先补（按申报先后拨付，额满即止）";
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::rules::tests::builtin;
    #[test]
    fn enums_round_trip() {
        for l in ProgrammeLevel::ALL {
            assert_eq!(ProgrammeLevel::parse(l.code()), Some(l));
            assert_eq!(ProgrammeLevel::parse(l.label_zh()), Some(l));
            assert_eq!(serde_json::to_string(&l).unwrap(), format!("\"{}\"", l.code()));
        }
        assert_eq!(ProgrammeLevel::Province.label_zh(), "省级");
        for c in SpendCategory::ALL {
            assert_eq!(SpendCategory::parse(c.code()), Some(c));
            assert_eq!(SpendCategory::parse(c.label_zh()), Some(c));
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{}\"", c.code()));
        }
        assert_eq!(SpendCategory::EmbeddedPlc.label_zh(), "嵌入式PLC软件");
        for s in InstalmentStage::ALL {
            assert_eq!(InstalmentStage::parse(s.code()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.code()));
        }
        for p in PoolPurpose::ALL {
            assert_eq!(PoolPurpose::parse(p.label_zh()), Some(p));
        }
        assert_eq!(SpendCategory::parse("laptop"), None);
        assert_eq!(pct_of_bp(5000), "50%");
        assert_eq!(pct_of_bp(1250), "12.5%");
        assert_eq!(pct_of_bp(3333), "33.33%");
        let json = serde_json::to_value(builtin("longyan-2024")).unwrap();
        assert_eq!(json["subsidy"]["cap"]["by_level"][0], serde_json::json!([2, 25_000_000]));
        assert_eq!(json["window"], serde_json::json!(["2024-10-18", "2026-12-31"]));
    }
}
