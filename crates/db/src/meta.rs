//! Small key/value facts about the installation (demo flag, setup token hash).

use super::{Conn, DbResult};
use crate::args;

pub async fn get(c: &mut impl Conn, key: &str) -> DbResult<Option<String>> {
    let row: Option<(String,)> = c.fetch_optional("SELECT value FROM meta WHERE key = $1", args![key]).await?;
    Ok(row.map(|r| r.0))
}

pub async fn set(c: &mut impl Conn, key: &str, value: &str) -> DbResult<()> {
    c.execute(
        "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        args![key, value],
    )
    .await?;
    Ok(())
}

pub async fn delete(c: &mut impl Conn, key: &str) -> DbResult<()> {
    c.execute("DELETE FROM meta WHERE key = $1", args![key]).await?;
    Ok(())
}
