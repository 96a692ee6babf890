//! Open data: every filed project (备案) published as an OCDS 1.1 release — parties identified
//! by their 统一社会信用代码, the award and contract with its value and signing date, milestones,
//! and subsidy payments as transactions — in release packages, plus a flat CSV. Personal data
//! (contact persons, phones, bank accounts) is never included.

use std::collections::BTreeMap;

use dengta_domain::money::Fen;
use dengta_domain::programme::ContractDraft;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::programmes::programme;
use super::{App, AppError, AppResult};
use crate::db::projects::{self as store, ProjectRow};
use crate::db::{self, Conn};

/// The OCID prefix of this publisher (to be registered with the Open Contracting Partnership).
pub const OCID_PREFIX: &str = "ocds-dengta";

fn iso(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// An OCDS date-time for a calendar day (a date in China: midnight, UTC+8).
fn day(d: &str) -> String {
    if d.len() == 10 { format!("{d}T00:00:00+08:00") } else { d.to_owned() }
}

/// The Dengta OCDS extension (JSON Merge Patch on the release schema), served at
/// `/api/v1/open-data/ocds/extension.json` and `…/release-schema.json` and named in each package.
pub const EXTENSION_JSON: &str = include_str!("../../../data/ocds-extension/extension.json");
pub const EXTENSION_RELEASE_SCHEMA: &str = include_str!("../../../data/ocds-extension/release-schema.json");

/// The metadata of an OCDS extension (`extension.json`, the OCDS extension metadata format):
/// its texts by language code.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "OcdsExtension")]
pub struct ExtensionMetadata {
    pub name: BTreeMap<String, String>,
    pub description: BTreeMap<String, String>,
    pub documentation_url: BTreeMap<String, String>,
    /// The OCDS versions the extension works with.
    pub compatibility: Vec<String>,
    /// The schema patches it consists of, relative to this file.
    pub schemas: Vec<String>,
}

/// The extension's metadata with its documentation URL made absolute.
pub fn extension_metadata(base_url: &str) -> AppResult<ExtensionMetadata> {
    let mut m: ExtensionMetadata =
        serde_json::from_str(EXTENSION_JSON).map_err(|e| AppError::Internal(format!("extension.json: {e}")))?;
    m.documentation_url.insert("en".into(), format!("{base_url}/open-data"));
    Ok(m)
}

/// One page of the open data: an OCDS 1.1 release package
/// (<https://standard.open-contracting.org/1.1/en/schema/release_package/>).
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "OcdsReleasePackage")]
pub struct ReleasePackage {
    pub uri: String,
    #[schemars(extend("const" = "1.1"))]
    pub version: String,
    /// The extensions the releases use (Dengta's subsidy fields): URLs of their metadata.
    pub extensions: Vec<String>,
    /// RFC 3339 date-time.
    pub published_date: String,
    pub publisher: Publisher,
    pub license: String,
    pub publication_policy: String,
    /// One release per filed project. Each is an OCDS 1.1 release with the extensions above;
    /// the OCDS release schema and the extension's patch describe it, so this document leaves
    /// it an open object.
    #[schemars(with = "Vec<serde_json::Map<String, Value>>")]
    pub releases: Vec<Value>,
    pub links: Links,
}

/// Who publishes the data.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "OcdsPublisher")]
pub struct Publisher {
    pub name: String,
}

/// Where the data goes on.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "OcdsLinks")]
pub struct Links {
    /// The next page; `null` on the last one.
    pub next: Option<String>,
}

fn amount(f: Fen) -> Value {
    json!({ "amount": f.0 as f64 / 100.0, "currency": "CNY" })
}

fn uscc_party(id: &str, name: &str, roles: &[&str]) -> Value {
    json!({
        "id": format!("CN-USCC-{id}"), "name": name, "roles": roles,
        "identifier": { "scheme": "CN-USCC", "id": id, "legalName": name },
    })
}

/// The OCDS release of one project.
/// The chain (链式 / 面状) a project belongs to, and whether it is the lead's frame.
async fn chain_of(c: &mut impl Conn, project_id: i64) -> AppResult<Option<(db::chains::ChainRow, bool)>> {
    let (id, lead) = match db::chains::part_of(c, project_id).await? {
        Some(db::chains::Part::Lead(id)) => (id, true),
        Some(db::chains::Part::Member(id)) => (id, false),
        None => return Ok(None),
    };
    Ok(db::chains::get(c, id).await?.map(|chain| (chain, lead)))
}

async fn release(c: &mut impl Conn, row: &ProjectRow) -> AppResult<Value> {
    let ocid = format!("{OCID_PREFIX}-{}-{}", row.programme_id, row.id);
    let (enterprise_code, provider_code) = store::party_codes(c, row.id).await?;
    let prog = programme(&row.programme_id)?;
    let region = db::regions::get(c, prog.region()).await?.map(|r| r.name).unwrap_or_default();
    let authority_id = format!("CN-GBT2260-{}", prog.region());
    let docs = store::docs(c, row.id).await?;
    let contract: Option<ContractDraft> = docs.contract_json.as_deref().and_then(|j| serde_json::from_str(j).ok());
    let milestones = store::milestones(c, row.id).await?;
    let subsidies = db::subsidies::of_project(c, row.id).await?;
    let mut transactions = Vec::new();
    for s in &subsidies {
        // The published computation (公示): each step's label, amount and note.
        let trace: Vec<Value> = serde_json::from_str::<Vec<Value>>(&s.trace_json)
            .unwrap_or_default()
            .iter()
            .map(|t| {
                json!({ "label": t["label"].as_str().unwrap_or_default(),
                        "amount": t["amount"].as_i64().map(|f| amount(Fen(f))),
                        "note": t["note"].as_str().unwrap_or_default() })
            })
            .collect();
        for p in db::subsidies::payments_of(c, s.id).await? {
            let reversed = p.status == "reversed";
            transactions.push(json!({
                "id": format!("payment-{}", p.id),
                "date": iso(p.at),
                "value": amount(Fen(if p.status == "posted" { p.amount_fen } else { 0 })),
                "payer": { "id": authority_id, "name": format!("{region}主管部门") },
                "payee": { "id": format!("CN-USCC-{enterprise_code}"), "name": row.enterprise_name },
                "description": format!("奖补 {}（{}）{}", s.stage, s.rule, if reversed { "，已冲正" } else { "" }),
                "subsidy": { "id": format!("subsidy-{}", s.id), "stage": s.stage, "instalment": s.seq, "rule": s.rule,
                             "pool": s.pool_id, "status": s.status, "awarded": amount(Fen(s.award_fen)),
                             "reversed": reversed, "trace": trace },
            }));
        }
    }
    let status = match row.status.as_str() {
        "cancelled" => "cancelled",
        "completed" => "terminated",
        _ => "active",
    };
    let contract_value = contract.as_ref().map(ContractDraft::total).unwrap_or(Fen::ZERO);
    let mut parties = vec![
        json!({ "id": authority_id, "name": format!("{region}中小企业数字化转型试点主管部门"), "roles": ["funder", "payer"],
                "address": { "region": region, "countryName": "中国" } }),
        uscc_party(&enterprise_code, &row.enterprise_name, &["buyer", "payee"]),
        uscc_party(&provider_code, &row.provider_name, &["supplier"]),
    ];
    // Co-contractors named in the contract (their code and name only).
    for p in contract.iter().flat_map(|c| c.parties.iter()) {
        if p.uscc != provider_code && p.uscc != enterprise_code {
            parties.push(uscc_party(&p.uscc, &p.name, &["supplier"]));
        }
    }
    let suppliers: Vec<Value> = parties
        .iter()
        .filter(|p| p["roles"].as_array().is_some_and(|r| r.iter().any(|x| x == "supplier")))
        .map(|p| json!({ "id": p["id"], "name": p["name"] }))
        .collect();
    // A chain's SME line is a process under the lead's frame (OCDS relatedProcesses "framework").
    let chain = chain_of(c, row.id).await?;
    let related: Vec<Value> = match &chain {
        Some((ch, false)) => {
            let lead_ocid = format!("{OCID_PREFIX}-{}-{}", ch.programme_id, ch.lead_project_id);
            vec![json!({ "id": format!("chain-{}", ch.id), "relationship": ["framework"], "title": ch.name,
                         "scheme": "ocid", "identifier": lead_ocid })]
        }
        _ => Vec::new(),
    };
    let chain_json = chain.as_ref().map(|(ch, lead)| {
        json!({ "id": ch.id, "name": ch.name, "kind": ch.kind, "role": if *lead { "lead" } else { "member" },
                "leadOcid": format!("{OCID_PREFIX}-{}-{}", ch.programme_id, ch.lead_project_id) })
    });
    let mut release = json!({
        "ocid": ocid,
        "id": format!("{ocid}-{}", row.version),
        "date": iso(row.filed_at.unwrap_or(row.created_at)),
        "tag": if transactions.is_empty() { json!(["contract"]) } else { json!(["contract", "implementation"]) },
        "initiationType": "tender",
        "language": "zh",
        "parties": parties,
        "buyer": { "id": format!("CN-USCC-{enterprise_code}"), "name": row.enterprise_name },
        "planning": { "rationale": format!("{}：{}", prog.name(), row.title), "budget": { "amount": amount(contract_value) } },
        "tender": { "id": format!("{ocid}-tender"), "title": row.title, "status": "complete",
                    "mainProcurementCategory": "services", "procurementMethod": "direct" },
        "awards": [{
            "id": format!("{ocid}-award"), "title": row.title, "status": "active",
            "date": contract.as_ref().map(|c| day(&c.sign_date.to_string())), "value": amount(contract_value),
            "suppliers": suppliers,
        }],
        "contracts": [{
            "id": format!("{ocid}-contract"), "awardID": format!("{ocid}-award"), "title": row.title,
            "status": status, "value": amount(contract_value),
            "dateSigned": contract.as_ref().map(|c| day(&c.sign_date.to_string())),
            "items": contract.iter().flat_map(|c| c.lines.iter()).enumerate().map(|(i, l)| json!({
                "id": (i + 1).to_string(), "description": l.description,
                "classification": { "scheme": "x_dengta_spend", "id": l.category.code(), "description": l.category.label_zh() },
                "unit": { "value": amount(l.amount) },
            })).collect::<Vec<_>>(),
            "implementation": {
                "milestones": milestones.iter().map(|m| json!({
                    "id": m.id.to_string(), "title": m.title, "dueDate": day(&m.due_date),
                    "status": if m.done_at.is_some() { "met" } else { "scheduled" },
                    "dateMet": m.done_at.map(iso),
                })).collect::<Vec<_>>(),
                "transactions": transactions,
            },
        }],
        "x_dengta": { "filingNumber": row.filing_no, "programme": row.programme_id,
                      "programmeVersion": row.programme_version, "projectStatus": row.status,
                      "regionCode": row.region_code, "chain": chain_json },
    });
    if !related.is_empty() {
        release["relatedProcesses"] = json!(related);
    }
    Ok(release)
}

/// One page of the release package, after project id `after`, linking to the next.
pub async fn package(app: &App, base_url: &str, after: i64, limit: i64) -> AppResult<ReleasePackage> {
    let mut c = app.read().await?;
    let mut rows = store::published(&mut c, after, limit + 1).await?;
    let next = (rows.len() as i64 > limit).then(|| rows.get(limit as usize - 1).map(|r| r.id)).flatten();
    rows.truncate(limit as usize);
    let mut releases = Vec::with_capacity(rows.len());
    for r in &rows {
        releases.push(release(&mut c, r).await?);
    }
    Ok(ReleasePackage {
        uri: format!("{base_url}/api/v1/open-data/ocds?after={after}"),
        version: "1.1".into(),
        extensions: vec![format!("{base_url}/api/v1/open-data/ocds/extension.json")],
        published_date: iso(db::now_ms()),
        publisher: Publisher { name: "灯塔 Dengta 中小企业数字化转型平台".into() },
        license: "https://creativecommons.org/licenses/by/4.0/".into(),
        publication_policy: format!("{base_url}/open-data"),
        releases,
        links: Links { next: next.map(|n| format!("{base_url}/api/v1/open-data/ocds?after={n}&limit={limit}")) },
    })
}

/// Every published project as one CSV row (UTF-8 with BOM), streamed page by page into a buffer.
pub async fn csv(app: &App) -> AppResult<Vec<u8>> {
    let mut c = app.read().await?;
    let err = |e: dengta_tabular::TabularError| AppError::Internal(e.to_string());
    let mut w = dengta_tabular::TableWriter::csv(Vec::new()).map_err(err)?;
    w.write_header(&[
        "ocid",
        "试点",
        "行政区划代码",
        "项目",
        "企业",
        "企业统一社会信用代码",
        "服务商",
        "服务商统一社会信用代码",
        "合同金额（元）",
        "签约日期",
        "备案编号",
        "项目状态",
        "链式/面状项目",
        "链内角色",
        "已拨付补助（元）",
    ])
    .map_err(err)?;
    let mut after = 0;
    loop {
        let rows = store::published(&mut c, after, 500).await?;
        let Some(last) = rows.last().map(|r| r.id) else { break };
        for r in &rows {
            let (ec, pc) = store::party_codes(&mut c, r.id).await?;
            let docs = store::docs(&mut c, r.id).await?;
            let contract: Option<ContractDraft> =
                docs.contract_json.as_deref().and_then(|j| serde_json::from_str(j).ok());
            let paid = db::subsidies::paid_to_project(&mut c, r.id).await?;
            let chain = chain_of(&mut c, r.id).await?;
            w.write_row(&[
                format!("{OCID_PREFIX}-{}-{}", r.programme_id, r.id),
                r.programme_id.clone(),
                r.region_code.clone(),
                r.title.clone(),
                r.enterprise_name.clone(),
                ec,
                r.provider_name.clone(),
                pc,
                contract.as_ref().map(|c| c.total().plain_yuan()).unwrap_or_default(),
                contract.as_ref().map(|c| c.sign_date.to_string()).unwrap_or_default(),
                r.filing_no.clone().unwrap_or_default(),
                r.status.clone(),
                chain.as_ref().map(|(ch, _)| ch.name.clone()).unwrap_or_default(),
                chain.as_ref().map(|(_, lead)| if *lead { "牵引" } else { "参与" }.to_owned()).unwrap_or_default(),
                Fen(paid).plain_yuan(),
            ])
            .map_err(err)?;
        }
        after = last;
    }
    w.finish().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_metadata_reads_whole() {
        let m = extension_metadata("https://example.org").expect("extension.json has the metadata's fields only");
        assert_eq!(m.documentation_url.get("en").map(String::as_str), Some("https://example.org/open-data"));
        assert_eq!(m.schemas, ["release-schema.json"]);
    }
}
