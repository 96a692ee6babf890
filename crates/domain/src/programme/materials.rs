//! The acceptance material checklist (一企一档) as data (`data/rules/acceptance-materials.toml`):
//! which items an application must carry (programme.md §5.7). Cities differ in what they ask for,
//! so the file decides which items exist, their names, sections and whether they are required;
//! what satisfies an item is fixed per item id here, from facts the platform already holds, so an
//! officer never re-types what the project records show. [`check`] explains every item in Chinese
//! and [`complete`] feeds `AcceptanceGuard::materials_complete`.

use serde::{Deserialize, Serialize};

const BUILTIN: &str = include_str!("../../../../data/rules/acceptance-materials.toml");

/// Item ids this code knows how to check.
const KNOWN: &[&str] = &[
    "enterprise_file",
    "filing",
    "contract",
    "invoices",
    "investment_list",
    "declaration",
    "self_assessments",
    "summary_report",
];

/// One item of the checklist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialItem {
    /// One of the ids this code knows how to check (e.g. `invoices`).
    pub id: String,
    /// The checklist section (企业档案, 改造项目, 申请验收).
    pub section: String,
    pub name: String,
    /// A missing required item blocks the application; a missing optional one is only shown.
    pub required: bool,
}

/// The checklist, versioned: a change ships as a new version so a stored check can say which
/// list it was made against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Materials {
    pub version: u32,
    #[serde(rename = "item")]
    pub items: Vec<MaterialItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MaterialsError {
    #[error("验收材料清单格式错误：{0}")]
    Format(String),
    #[error("验收材料清单版本号应从 1 开始，收到 {0}")]
    Version(u32),
    #[error("验收材料清单没有任何条目")]
    NoItems,
    #[error("验收材料清单中有未知条目“{0}”")]
    Unknown(String),
    #[error("验收材料清单中条目“{0}”重复")]
    Duplicate(String),
    #[error("验收材料清单条目“{0}”缺少名称或分类")]
    Empty(String),
}

impl Materials {
    /// Parses and validates a checklist: version ≥ 1, at least one item, ids known and unique,
    /// names and sections non-empty.
    pub fn from_toml(text: &str) -> Result<Materials, MaterialsError> {
        let m: Materials = toml::from_str(text).map_err(|e| MaterialsError::Format(e.to_string()))?;
        if m.version == 0 {
            return Err(MaterialsError::Version(m.version));
        }
        if m.items.is_empty() {
            return Err(MaterialsError::NoItems);
        }
        let mut seen = Vec::new();
        for i in &m.items {
            if !KNOWN.contains(&i.id.as_str()) {
                return Err(MaterialsError::Unknown(i.id.clone()));
            }
            if seen.contains(&i.id) {
                return Err(MaterialsError::Duplicate(i.id.clone()));
            }
            if i.name.trim().is_empty() || i.section.trim().is_empty() {
                return Err(MaterialsError::Empty(i.id.clone()));
            }
            seen.push(i.id.clone());
        }
        Ok(m)
    }

    /// The checklist shipped in the binary.
    pub fn builtin() -> Result<Materials, MaterialsError> {
        Materials::from_toml(BUILTIN)
    }
}

/// What the platform knows about a project's materials, gathered by the server.
#[derive(Clone, Debug, Default)]
pub struct MaterialFacts {
    /// The enterprise record has its name and industry code.
    pub enterprise_file: bool,
    /// The filing (备案) number, once assigned.
    pub filing_no: Option<String>,
    /// The contract was signed and passed validation.
    pub contract_signed: bool,
    /// Invoices recorded against the project.
    pub invoices: u32,
    /// Payments to the provider recorded against the project.
    pub payments: u32,
    /// Uploaded invoice and payment vouchers.
    pub voucher_files: u32,
    /// Lines of the contract's investment list (投入清单).
    pub investment_lines: u32,
    /// The truthfulness declaration (真实性声明) was confirmed.
    pub declaration: bool,
    /// A self-assessment from before the transformation (before filing).
    pub self_assessment_before: bool,
    /// A self-assessment from after the transformation (after completion).
    pub self_assessment_after: bool,
    pub summary_report_files: u32,
}

/// One item of the checklist judged against the facts, with a Chinese note saying what is
/// present or what is missing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MaterialCheck {
    pub id: String,
    pub section: String,
    pub name: String,
    pub required: bool,
    pub ok: bool,
    pub note: String,
}

fn judge(id: &str, f: &MaterialFacts) -> (bool, String) {
    let missing = |parts: &[(bool, &str)]| -> (bool, String) {
        let gaps: Vec<&str> = parts.iter().filter(|(ok, _)| !ok).map(|(_, what)| *what).collect();
        if gaps.is_empty() { (true, String::new()) } else { (false, format!("缺少{}", gaps.join("、"))) }
    };
    match id {
        "enterprise_file" => {
            if f.enterprise_file {
                (true, "企业档案完整".to_owned())
            } else {
                (false, "企业档案缺少名称或行业代码".to_owned())
            }
        }
        "filing" => match &f.filing_no {
            Some(no) if !no.trim().is_empty() => (true, format!("备案编号 {no}")),
            _ => (false, "项目尚未备案".to_owned()),
        },
        "contract" => {
            if f.contract_signed {
                (true, "合同已签订并通过校验".to_owned())
            } else {
                (false, "尚未签订合同".to_owned())
            }
        }
        "invoices" => {
            let (ok, note) = missing(&[
                (f.invoices > 0, "发票记录"),
                (f.payments > 0, "付款记录"),
                (f.voucher_files > 0, "凭证文件"),
            ]);
            if ok {
                (true, format!("发票 {} 张、付款 {} 笔、凭证文件 {} 份", f.invoices, f.payments, f.voucher_files))
            } else {
                (false, note)
            }
        }
        "investment_list" => {
            if f.investment_lines > 0 {
                (true, format!("投入明细 {} 项", f.investment_lines))
            } else {
                (false, "合同中没有投入明细".to_owned())
            }
        }
        "declaration" => {
            if f.declaration {
                (true, "已确认真实性声明".to_owned())
            } else {
                (false, "提交申请时须确认真实性声明".to_owned())
            }
        }
        "self_assessments" => {
            let (ok, note) =
                missing(&[(f.self_assessment_before, "改造前自评测"), (f.self_assessment_after, "改造后自评测")]);
            if ok { (true, "改造前后自评测均已提交".to_owned()) } else { (false, note) }
        }
        "summary_report" => {
            if f.summary_report_files > 0 {
                (true, format!("已上传 {} 份", f.summary_report_files))
            } else {
                (false, "尚未上传项目总结报告".to_owned())
            }
        }
        _ => (false, "未知条目".to_owned()),
    }
}

/// Each item of the checklist with whether it is present and a Chinese note.
pub fn check(m: &Materials, f: &MaterialFacts) -> Vec<MaterialCheck> {
    m.items
        .iter()
        .map(|i| {
            let (ok, note) = judge(&i.id, f);
            MaterialCheck {
                id: i.id.clone(),
                section: i.section.clone(),
                name: i.name.clone(),
                required: i.required,
                ok,
                note,
            }
        })
        .collect()
}

/// Every required item is present.
pub fn complete(checks: &[MaterialCheck]) -> bool {
    checks.iter().all(|c| c.ok || !c.required)
}

/// The names of the missing required items, joined with "、".
pub fn missing_zh(checks: &[MaterialCheck]) -> String {
    checks.iter().filter(|c| c.required && !c.ok).map(|c| c.name.as_str()).collect::<Vec<_>>().join("、")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> MaterialFacts {
        MaterialFacts {
            enterprise_file: true,
            filing_no: Some("NJ-2025-001".into()),
            contract_signed: true,
            invoices: 2,
            payments: 1,
            voucher_files: 3,
            investment_lines: 4,
            declaration: true,
            self_assessment_before: true,
            self_assessment_after: true,
            summary_report_files: 1,
        }
    }

    #[test]
    fn builtin_has_every_item_required() {
        let m = Materials::builtin().unwrap();
        assert_eq!(m.items.len(), 8);
        assert!(m.items.iter().all(|i| i.required));
    }

    #[test]
    fn complete_materials_pass_and_each_gap_is_named() {
        let m = Materials::builtin().unwrap();
        let checks = check(&m, &full());
        assert!(complete(&checks), "{checks:?}");
        assert_eq!(missing_zh(&checks), "");

        let f = MaterialFacts { payments: 0, self_assessment_after: false, summary_report_files: 0, ..full() };
        let checks = check(&m, &f);
        assert!(!complete(&checks));
        assert_eq!(missing_zh(&checks), "发票与付款凭证、改造前/后自评测报告、项目总结报告");
        let inv = checks.iter().find(|c| c.id == "invoices").unwrap();
        assert_eq!(inv.note, "缺少付款记录");
        let sa = checks.iter().find(|c| c.id == "self_assessments").unwrap();
        assert_eq!(sa.note, "缺少改造后自评测");
        let none = check(&m, &MaterialFacts::default());
        assert_eq!(none.iter().filter(|c| !c.ok).count(), 8);
    }

    #[test]
    fn an_optional_item_does_not_block() {
        let text = Materials::builtin().unwrap();
        let mut m = text.clone();
        m.items.iter_mut().find(|i| i.id == "summary_report").unwrap().required = false;
        let checks = check(&m, &MaterialFacts { summary_report_files: 0, ..full() });
        assert!(complete(&checks));
    }

    #[test]
    fn bad_files_are_refused_by_name() {
        let unknown = "version = 1\n[[item]]\nid = \"photo\"\nsection = \"x\"\nname = \"y\"\nrequired = true\n";
        assert_eq!(Materials::from_toml(unknown), Err(MaterialsError::Unknown("photo".into())));
        let dup = "version = 1\n[[item]]\nid = \"filing\"\nsection = \"x\"\nname = \"y\"\nrequired = true\n\
                   [[item]]\nid = \"filing\"\nsection = \"x\"\nname = \"y\"\nrequired = true\n";
        assert_eq!(Materials::from_toml(dup), Err(MaterialsError::Duplicate("filing".into())));
        let empty = "version = 1\n[[item]]\nid = \"filing\"\nsection = \"x\"\nname = \" \"\nrequired = true\n";
        assert_eq!(Materials::from_toml(empty), Err(MaterialsError::Empty("filing".into())));
    }

    #[test]
    fn builtin_is_the_reference_checklist_in_order() {
        let m = Materials::builtin().unwrap();
        assert_eq!(m.version, 1);
        let got: Vec<(&str, &str, &str)> =
            m.items.iter().map(|i| (i.id.as_str(), i.section.as_str(), i.name.as_str())).collect();
        assert_eq!(
            got,
            [
                ("enterprise_file", "企业档案", "企业基本信息"),
                ("filing", "改造项目", "项目备案"),
                ("contract", "改造项目", "数字化改造合同"),
                ("invoices", "改造项目", "发票与付款凭证"),
                ("investment_list", "申请验收", "投入清单明细表"),
                ("declaration", "申请验收", "申报资料真实性声明"),
                ("self_assessments", "申请验收", "改造前/后自评测报告"),
                ("summary_report", "申请验收", "项目总结报告"),
            ]
        );
        // Every known id is in the shipped list, so no check is dead code.
        assert_eq!(m.items.len(), KNOWN.len());
    }

    #[test]
    fn every_note_says_what_is_there_or_what_is_missing() {
        let m = Materials::builtin().unwrap();
        let notes = |f: &MaterialFacts| -> Vec<(String, bool, String)> {
            check(&m, f).into_iter().map(|c| (c.id, c.ok, c.note)).collect()
        };
        let present = notes(&full());
        let absent = notes(&MaterialFacts::default());
        let expected: [(&str, &str, &str); 8] = [
            ("enterprise_file", "企业档案完整", "企业档案缺少名称或行业代码"),
            ("filing", "备案编号 NJ-2025-001", "项目尚未备案"),
            ("contract", "合同已签订并通过校验", "尚未签订合同"),
            ("invoices", "发票 2 张、付款 1 笔、凭证文件 3 份", "缺少发票记录、付款记录、凭证文件"),
            ("investment_list", "投入明细 4 项", "合同中没有投入明细"),
            ("declaration", "已确认真实性声明", "提交申请时须确认真实性声明"),
            ("self_assessments", "改造前后自评测均已提交", "缺少改造前自评测、改造后自评测"),
            ("summary_report", "已上传 1 份", "尚未上传项目总结报告"),
        ];
        for (i, (id, yes, no)) in expected.into_iter().enumerate() {
            assert_eq!(present[i], (id.to_owned(), true, yes.to_owned()));
            assert_eq!(absent[i], (id.to_owned(), false, no.to_owned()));
        }
        // A blank filing number is no filing; invoices need all three kinds of evidence.
        let blank = check(&m, &MaterialFacts { filing_no: Some("  ".into()), ..full() });
        assert!(!blank.iter().find(|c| c.id == "filing").unwrap().ok);
        let no_vouchers = check(&m, &MaterialFacts { voucher_files: 0, ..full() });
        assert_eq!(no_vouchers.iter().find(|c| c.id == "invoices").unwrap().note, "缺少凭证文件");
        let before_only = check(&m, &MaterialFacts { self_assessment_before: false, ..full() });
        assert_eq!(before_only.iter().find(|c| c.id == "self_assessments").unwrap().note, "缺少改造前自评测");
    }

    #[test]
    fn malformed_files_are_refused() {
        assert_eq!(
            Materials::from_toml(
                "version = 0\n[[item]]\nid = \"filing\"\nsection = \"x\"\nname = \"y\"\nrequired = true\n"
            ),
            Err(MaterialsError::Version(0))
        );
        assert_eq!(Materials::from_toml("version = 1\nitem = []\n"), Err(MaterialsError::NoItems));
        let typo = "version = 1\n[[item]]\nid = \"filing\"\nsection = \"x\"\nname = \"y\"\nrequired = true\nrequried = false\n";
        assert!(matches!(Materials::from_toml(typo), Err(MaterialsError::Format(_))));
        assert!(matches!(Materials::from_toml("version = 1\n"), Err(MaterialsError::Format(_))));
        assert_eq!(MaterialsError::Unknown("photo".into()).to_string(), "验收材料清单中有未知条目“photo”");
    }
}
