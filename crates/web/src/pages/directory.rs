//! List helpers shared by the directory pages.

use super::PAGE_SIZE;

/// Keeps one page and returns the key to continue after, if there is more.
pub fn split_page<T>(mut rows: Vec<T>, key: impl Fn(&T) -> i64) -> (Vec<T>, Option<i64>) {
    if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        let next = rows.last().map(key);
        (rows, next)
    } else {
        (rows, None)
    }
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|x| x.trim_start_matches('=').to_owned()).unwrap_or_default()
}
