//! Keeps the region table in step with the GB/T 2260 list shipped in the
//! binary (data/codes/gbt2260.tsv): on start, a newer list version is written
//! in batches, and the version is recorded.

use dengta_domain::codes::regions::RegionList;

use super::AppResult;
use crate::db::{self, Arg, Db};

const META_KEY: &str = "gbt2260_version";
const BATCH: usize = 400;

/// Loads or refreshes the region table; returns the number of rows written
/// (0 when the table already holds this version).
pub async fn sync_regions(db: &Db) -> AppResult<usize> {
    let list = RegionList::embedded();
    let mut conn = db.clone();
    if db::meta::get(&mut conn, META_KEY).await?.as_deref() == Some(list.version()) {
        return Ok(0);
    }
    // Parents before children, so the foreign key holds at every insert.
    let mut rows: Vec<_> = list.iter().collect();
    rows.sort_by_key(|r| (r.level as u8, r.code.clone()));
    let mut tx = db.begin().await?;
    for chunk in rows.chunks(BATCH) {
        let mut sql = String::from("INSERT INTO regions (code, name, parent_code, level) VALUES ");
        let mut args: Vec<Arg> = Vec::with_capacity(chunk.len() * 4);
        for (i, r) in chunk.iter().enumerate() {
            let n = i * 4;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4));
            args.push(r.code.clone().into());
            args.push(r.name.clone().into());
            args.push(r.parent.clone().into());
            args.push(format!("{:?}", r.level).to_lowercase().into());
        }
        sql.push_str(
            " ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent_code = excluded.parent_code, level = excluded.level",
        );
        tx.execute(&sql, args).await?;
    }
    db::meta::set(&mut tx, META_KEY, list.version()).await?;
    tx.commit().await?;
    Ok(rows.len())
}
