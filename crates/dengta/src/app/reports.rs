//! Upward reporting (逐级上报). A city instance exports a package of the dashboard counters of its
//! region subtree — aggregates only, no enterprise and no person — signed with the instance's
//! Ed25519 key (kept in `data_dir/keys/`). A province or national instance trusts the city's public
//! key for that region, imports its packages (a tampered, unsigned, unknown-key or out-of-scope
//! package is refused and changes nothing), and its dashboards add the imported counters.

use std::collections::BTreeMap;
use std::path::PathBuf;

use dengta_domain::duties::Step;

use dengta_domain::region::RegionCode;
use dengta_domain::role::{Principal, Role};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::audit::{Outcome, record};
use super::{Actor, App, AppError, AppResult};
use crate::args;
use crate::db::{self, Conn};

pub const FORMAT: &str = "dengta-report/1";

/// What is signed: everything but the signature.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Payload {
    pub format: String,
    pub region_code: String,
    pub region_name: String,
    pub generated_at: i64,
    /// Region node → dashboard metric → value, for the region and every node below it that
    /// has counters.
    pub counters: BTreeMap<String, BTreeMap<String, i64>>,
    pub public_key: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
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

/// Signs the counters of `region` (the officer's own by default) and everything below it.
pub async fn export(app: &App, actor: &Actor) -> AppResult<Package> {
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

/// Trusts a lower instance's public key for a region below the officer's.
pub async fn trust(app: &App, actor: &Actor, region: &str, public_key: &str) -> AppResult<()> {
    let p = actor.principal.as_ref().ok_or(AppError::Unauthenticated)?;
    if p.role != Role::Officer {
        return Err(AppError::Forbidden);
    }
    let r = in_scope(p, region.trim())?;
    let key = public_key.trim().to_ascii_lowercase();
    let bytes: [u8; 32] =
        unhex(&key).and_then(|b| b.try_into().ok()).ok_or_else(|| AppError::invalid("error.report_key", &key))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| AppError::invalid("error.report_key", &key))?;
    let mut tx = app.db.begin().await?;
    tx.execute(
        "INSERT INTO report_keys (region_code, public_key, added_by, added_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (region_code, public_key) DO NOTHING",
        args![r.as_str(), &key, &actor.name, db::now_ms()],
    )
    .await?;
    super::duties::take(&mut tx, actor, Step::ReportTrust, &[("region", region_id(&r)?)]).await?;
    record(&mut tx, actor, "report.trust", &format!("region:{r}"), Outcome::Ok, &key).await?;
    tx.commit().await?;
    Ok(())
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
    let trusted = tx
        .scalar(
            "SELECT COUNT(*) FROM report_keys WHERE region_code = $1 AND public_key = $2",
            args![region.as_str(), &payload.public_key],
        )
        .await?;
    if trusted == 0 {
        return Err(AppError::invalid("error.report_key_untrusted", region.as_str()));
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
