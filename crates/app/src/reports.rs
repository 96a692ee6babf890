//! Upward reporting (逐级上报). A city instance exports a package of the dashboard counters of its
//! region subtree — aggregates only, no enterprise and no person — signed with the instance's
//! Ed25519 key (kept in `data_dir/keys/`). A province or national instance trusts the city's public
//! key for that region, imports its packages (a tampered, unsigned, unknown-key or out-of-scope
//! package is refused and changes nothing), and its dashboards add the imported counters.
//! A package must also be plausible (`data/rules/upward-reports.toml`): no negative or
//! out-of-bounds counter, no node above its parent, cumulative counters never going down, not
//! stamped in the future nor older than the last one imported. Trusted keys expire and can be
//! revoked; an expired or revoked key is refused.

use std::collections::BTreeMap;
use std::path::PathBuf;

use dengta_domain::duties::Step;
use dengta_domain::evaluation::Evaluation;
use dengta_domain::limits::{Implausible, ReportRules};
use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::audit::{Outcome, record};
use super::{Actor, App, AppError, AppResult};
use crate::db::{self, Conn};
use dengta_db::args;

pub const FORMAT: &str = "dengta-report/1";

/// What is signed: everything but the signature.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Payload {
    #[schemars(extend("const" = FORMAT))]
    pub format: String,
    #[schemars(schema_with = "dengta_domain::schema::region")]
    pub region_code: String,
    pub region_name: String,
    pub generated_at: i64,
    /// Region node → dashboard metric → value, for the region and every node below it that
    /// has counters.
    pub counters: BTreeMap<String, BTreeMap<String, i64>>,
    pub public_key: String,
    /// The region's city performance evaluation (城市试点绩效评价) as this instance computed it,
    /// signed with the counters it was read from. Absent in packages of older instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<Evaluation>,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Package {
    #[serde(flatten)]
    pub payload: Payload,
    pub signature: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

fn key_path(app: &App) -> PathBuf {
    PathBuf::from(&app.settings.data_dir).join("keys").join("report-signing.key")
}

/// The instance's signing key, created on first use (32 random bytes, owner-only file).
fn signing_key(app: &App) -> AppResult<SigningKey> {
    let path = key_path(app);
    let internal = |e: std::io::Error| AppError::Internal(format!("{}: {e}", path.display()));
    if let Ok(text) = std::fs::read_to_string(&path) {
        let bytes: [u8; 32] = unhex(text.trim())
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| AppError::Internal(format!("{} is not a key", path.display())))?;
        return Ok(SigningKey::from_bytes(&bytes));
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(internal)?;
    }
    std::fs::write(&path, hex(&bytes)).map_err(internal)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(internal)?;
    }
    Ok(SigningKey::from_bytes(&bytes))
}

/// This instance's public key (hex), to register at the instance above.
pub fn public_key(app: &App) -> AppResult<String> {
    Ok(hex(signing_key(app)?.verifying_key().as_bytes()))
}

fn canonical(p: &Payload) -> AppResult<Vec<u8>> {
    serde_json::to_vec(p).map_err(|e| AppError::Internal(e.to_string()))
}

/// Signs the counters of the officer's region and everything below it, with the region's
/// evaluation read from them.
pub async fn export(app: &App, actor: &Actor, evaluation: Option<Evaluation>) -> AppResult<Package> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let region = p.region.clone();
    let mut c = app.db.clone();
    let (lo, hi) = region.subtree_bounds();
    let rows: Vec<(String, String, i64)> = c
        .fetch_all(
            "SELECT region_code, metric, value FROM rollups WHERE region_code BETWEEN $1 AND $2 \
             AND (metric LIKE 'e.%' OR metric LIKE 'p.%') AND value <> 0 ORDER BY region_code, metric",
            args![&lo, &hi],
        )
        .await?;
    let mut counters: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (r, m, v) in rows {
        // Only nodes inside the subtree (the bounds are a code range).
        if RegionCode::parse(&r).is_ok_and(|x| region.contains(&x)) {
            counters.entry(r).or_default().insert(m, v);
        }
    }
    let key = signing_key(app)?;
    let payload = Payload {
        format: FORMAT.to_owned(),
        region_name: db::regions::get(&mut c, region.as_str()).await?.map(|r| r.name).unwrap_or_default(),
        region_code: region.to_string(),
        generated_at: db::now_ms(),
        counters,
        public_key: hex(key.verifying_key().as_bytes()),
        evaluation,
    };
    let signature = hex(&key.sign(&canonical(&payload)?).to_bytes());
    let mut tx = app.db.begin().await?;
    record(
        &mut tx,
        actor,
        "report.export",
        &format!("region:{}", payload.region_code),
        Outcome::Ok,
        &format!("{} nodes", payload.counters.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(Package { payload, signature })
}

/// A region as a duty object's id (codes are six digits).
fn region_id(r: &RegionCode) -> AppResult<i64> {
    r.as_str().parse().map_err(|_| AppError::Internal(format!("region code {r}")))
}

fn in_scope(p: &Principal, region: &str) -> AppResult<RegionCode> {
    let r = RegionCode::parse(region).map_err(|e| AppError::invalid("error.region_unknown", e.to_string()))?;
    if p.role != Role::Officer || !p.region.contains(&r) || p.region == r {
        return Err(AppError::invalid("error.report_scope", region));
    }
    Ok(r)
}

/// The plausibility rules, loaded once from `data/rules/upward-reports.toml`.
pub fn rules() -> AppResult<&'static ReportRules> {
    static RULES: std::sync::LazyLock<Result<ReportRules, String>> =
        std::sync::LazyLock::new(|| ReportRules::builtin().map_err(|e| e.to_string()));
    RULES.as_ref().map_err(|e| AppError::Internal(e.clone()))
}

/// Trusts a lower instance's public key for a region below the officer's, for `valid_days`
/// (the rule's `key_validity_days` when not given, never more). Trusting a key again renews
/// it; a revoked key stays revoked.
pub async fn trust(app: &App, actor: &Actor, region: &str, public_key: &str, valid_days: Option<i64>) -> AppResult<()> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let r = in_scope(p, region.trim())?;
    let key = public_key.trim().to_ascii_lowercase();
    let bytes: [u8; 32] =
        unhex(&key).and_then(|b| b.try_into().ok()).ok_or_else(|| AppError::invalid("error.report_key", &key))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| AppError::invalid("error.report_key", &key))?;
    let rules = rules()?;
    let validity = rules
        .key_validity_ms(valid_days)
        .ok_or_else(|| AppError::invalid("error.report_key_validity", format!("1–{}", rules.key_validity_days)))?;
    let now = db::now_ms();
    let mut tx = app.db.begin().await?;
    let n = tx
        .execute(
            "INSERT INTO report_keys (region_code, public_key, added_by, added_at, expires_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (region_code, public_key) DO UPDATE SET expires_at = excluded.expires_at \
             WHERE report_keys.revoked_at IS NULL",
            args![r.as_str(), &key, &actor.name, now, now + validity],
        )
        .await?;
    if n == 0 {
        return Err(AppError::invalid("error.report_key_revoked", &key));
    }
    super::duties::take(&mut tx, actor, Step::ReportTrust, &[("region", region_id(&r)?)]).await?;
    let detail = format!("{key} expires {}", now + validity);
    record(&mut tx, actor, "report.trust", &format!("region:{r}"), Outcome::Ok, &detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Revokes a trusted key (a key leaked, an instance retired): packages it signs are refused
/// from now on; what was imported before stays. Audited with the reason.
pub async fn revoke(app: &App, actor: &Actor, region: &str, public_key: &str, reason: &str) -> AppResult<()> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let r = in_scope(p, region.trim())?;
    let key = public_key.trim().to_ascii_lowercase();
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("error.reason_required", ""));
    }
    let mut tx = app.db.begin().await?;
    let n = tx
        .execute(
            "UPDATE report_keys SET revoked_at = $1, revoked_by = $2, revoke_reason = $3 \
             WHERE region_code = $4 AND public_key = $5 AND revoked_at IS NULL",
            args![db::now_ms(), &actor.name, reason, r.as_str(), &key],
        )
        .await?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    record(&mut tx, actor, "report.revoke", &format!("region:{r}"), Outcome::Ok, &format!("{key}: {reason}")).await?;
    tx.commit().await?;
    Ok(())
}

/// The keys trusted here, for the officer's subtree: region, key, expiry, revocation.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, serde::Deserialize, schemars::JsonSchema)]
pub struct TrustedKey {
    pub region_code: String,
    pub public_key: String,
    pub added_by: String,
    pub added_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
}

pub async fn keys(app: &App, actor: &Actor) -> AppResult<Vec<TrustedKey>> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let (lo, hi) = p.region.subtree_bounds();
    let c = app.db.clone();
    Ok(c.fetch_all(
        "SELECT region_code, public_key, added_by, added_at, expires_at, revoked_at, revoked_by, revoke_reason \
         FROM report_keys WHERE region_code BETWEEN $1 AND $2 ORDER BY region_code, added_at",
        args![&lo, &hi],
    )
    .await?)
}

fn implausible(e: Implausible) -> AppError {
    let key = match e {
        Implausible::Future { .. } => "error.report_future",
        Implausible::NotNewer { .. } => return AppError::Conflict("error.report_stale"),
        Implausible::Decreased { .. } => "error.report_decreased",
        Implausible::Negative { .. } | Implausible::TooLarge { .. } | Implausible::AboveParent { .. } => {
            "error.report_implausible"
        }
    };
    AppError::invalid(key, e.to_string())
}

/// Verifies and stores a package from below; a newer package of the same region replaces the
/// older one. Refused (nothing changes): wrong format, region outside the officer's subtree, a
/// key not trusted for that region, a bad signature, a node outside the package's region.
pub async fn import(app: &App, actor: &Actor, pkg: &Package) -> AppResult<usize> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let payload = &pkg.payload;
    if payload.format != FORMAT {
        return Err(AppError::invalid("error.report_format", &payload.format));
    }
    let region = in_scope(p, &payload.region_code)?;
    let mut tx = app.db.begin().await?;
    let now = db::now_ms();
    let key_row: Option<(Option<i64>, Option<i64>)> = tx
        .fetch_optional(
            "SELECT expires_at, revoked_at FROM report_keys WHERE region_code = $1 AND public_key = $2",
            args![region.as_str(), &payload.public_key],
        )
        .await?;
    match key_row {
        None => return Err(AppError::invalid("error.report_key_untrusted", region.as_str())),
        Some((_, Some(_))) => return Err(AppError::invalid("error.report_key_revoked", &payload.public_key)),
        Some((expires, None)) if expires.is_none_or(|x| x <= now) => {
            return Err(AppError::invalid("error.report_key_expired", &payload.public_key));
        }
        Some(_) => {}
    }
    super::duties::take(&mut tx, actor, Step::ReportImport, &[("region", region_id(&region)?)]).await?;
    let key_bytes: [u8; 32] = unhex(&payload.public_key)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| AppError::invalid("error.report_key", &payload.public_key))?;
    let key = VerifyingKey::from_bytes(&key_bytes).map_err(|_| AppError::invalid("error.report_key", ""))?;
    let sig_bytes: [u8; 64] = unhex(&pkg.signature)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| AppError::invalid("error.report_signature", ""))?;
    key.verify(&canonical(payload)?, &Signature::from_bytes(&sig_bytes))
        .map_err(|_| AppError::invalid("error.report_signature", ""))?;
    for node in payload.counters.keys() {
        if !RegionCode::parse(node).is_ok_and(|n| region.contains(&n)) {
            return Err(AppError::invalid("error.report_scope", node));
        }
    }
    // Plausibility against the last package of the region (read in this transaction; the
    // conditional upsert below still settles a race between two imports).
    let last: Option<(i64, String)> = tx
        .fetch_optional(
            "SELECT generated_at, package_json FROM imported_reports WHERE region_code = $1",
            args![region.as_str()],
        )
        .await?;
    let previous = match &last {
        Some((at, json)) => Some((
            *at,
            serde_json::from_str::<Package>(json).map_err(|e| AppError::Internal(e.to_string()))?.payload.counters,
        )),
        None => None,
    };
    rules()?
        .check(&payload.counters, payload.generated_at, now, previous.as_ref().map(|(at, c)| (*at, c)))
        .map_err(implausible)?;
    let json = serde_json::to_string(pkg).map_err(|e| AppError::Internal(e.to_string()))?;
    let n = tx
        .execute(
            "INSERT INTO imported_reports (region_code, generated_at, public_key, package_json, imported_by, imported_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (region_code) DO UPDATE SET generated_at = excluded.generated_at, \
             public_key = excluded.public_key, package_json = excluded.package_json, imported_by = excluded.imported_by, \
             imported_at = excluded.imported_at WHERE imported_reports.generated_at < excluded.generated_at",
            args![region.as_str(), payload.generated_at, &payload.public_key, &json, &actor.name, db::now_ms()],
        )
        .await?;
    if n == 0 {
        return Err(AppError::Conflict("error.report_stale"));
    }
    tx.execute("DELETE FROM imported_counters WHERE source_region = $1", args![region.as_str()]).await?;
    let rows: Vec<(String, String, i64)> = payload
        .counters
        .iter()
        .flat_map(|(node, m)| m.iter().map(move |(k, v)| (node.clone(), k.clone(), *v)))
        .collect();
    for chunk in rows.chunks(200) {
        let mut sql =
            String::from("INSERT INTO imported_counters (source_region, region_code, metric, value, top) VALUES ");
        let mut a: Vec<db::Arg> = args![region.as_str()];
        for (i, (node, metric, v)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let b = a.len();
            sql.push_str(&format!("($1, ${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4));
            a.extend(args![node, metric, *v, node == region.as_str()]);
        }
        tx.execute(&sql, a).await?;
    }
    record(
        &mut tx,
        actor,
        "report.import",
        &format!("region:{region}"),
        Outcome::Ok,
        &format!("{} nodes, generated {}", payload.counters.len(), payload.generated_at),
    )
    .await?;
    tx.commit().await?;
    Ok(payload.counters.len())
}

/// The evaluation the instance of `region` signed in its last imported package, and when that
/// package was generated.
pub async fn reported_evaluation(c: &mut impl Conn, region: &str) -> AppResult<Option<(i64, Evaluation)>> {
    let row: Option<(String,)> =
        c.fetch_optional("SELECT package_json FROM imported_reports WHERE region_code = $1", args![region]).await?;
    let Some((json,)) = row else { return Ok(None) };
    let pkg: Package = serde_json::from_str(&json).map_err(|e| AppError::Internal(format!("imported report: {e}")))?;
    Ok(pkg.payload.evaluation.map(|e| (pkg.payload.generated_at, e)))
}

/// Whether any imported counter lies in `node`'s subtree (as a node row or as a package's
/// top row): when none does, which is the usual case, a dashboard skips the lookups per child.
pub async fn any_imported_within(c: &mut impl Conn, node: &RegionCode) -> AppResult<bool> {
    let (lo, hi) = node.subtree_bounds();
    Ok(c.scalar(
        "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM imported_counters WHERE region_code BETWEEN $1 AND $2) \
         OR EXISTS (SELECT 1 FROM imported_counters WHERE top = TRUE AND source_region BETWEEN $1 AND $2) \
         THEN 1 ELSE 0 END AS BIGINT)",
        args![&lo, &hi],
    )
    .await?
        > 0)
}

/// Imported counters that belong to `node` for a dashboard: inside a package's region its node
/// rows count as they are; a package's own region counts toward every node above it.
pub async fn imported_values(c: &mut impl Conn, node: &RegionCode) -> AppResult<BTreeMap<String, i64>> {
    let (lo, hi) = node.subtree_bounds();
    // Two indexed reads: the node's own rows inside a package, and the top rows of the packages
    // below it.
    let mut rows: Vec<(String, i64)> = c
        .fetch_all(
            "SELECT metric, CAST(SUM(value) AS BIGINT) FROM imported_counters WHERE region_code = $1 GROUP BY metric",
            args![node.as_str()],
        )
        .await?;
    rows.extend(
        c.fetch_all::<(String, i64)>(
            "SELECT metric, CAST(SUM(value) AS BIGINT) FROM imported_counters WHERE top = TRUE \
             AND source_region BETWEEN $1 AND $2 AND source_region <> $3 GROUP BY metric",
            args![&lo, &hi, node.as_str()],
        )
        .await?,
    );
    let mut out = BTreeMap::new();
    for (m, v) in rows {
        *out.entry(m).or_insert(0) += v;
    }
    Ok(out)
}

/// The packages imported here (for the page): region, when generated and imported.
pub async fn imported(app: &App) -> AppResult<Vec<(String, i64, i64)>> {
    let c = app.db.clone();
    Ok(c.fetch_all("SELECT region_code, generated_at, imported_at FROM imported_reports ORDER BY region_code", args![])
        .await?)
}
