//! Loading an instrument file: parse its format, run the checks that collect every problem (so
//! an author sees all mistakes at once), fingerprint the text.

use sm3::{Digest, Sm3};

use super::check::Checker;
use super::format::*;
use super::model::*;

impl Instrument {
    /// Parses and validates one instrument file. `file_name` only labels the errors.
    pub fn from_toml(file_name: &str, text: &str) -> Result<Instrument, InstrumentError> {
        let def: InstrumentDef = toml::from_str(text).map_err(|e| {
            let place = match e.span() {
                Some(span) => line_col(text, span.start),
                None => "文件".to_owned(),
            };
            InstrumentError::single(file_name, &place, format!("格式错误：{}", e.message().trim()))
        })?;
        let mut c = Checker::default();
        let inst = c.instrument(file_name, def, fingerprint(text));
        if c.problems.is_empty() {
            Ok(inst)
        } else {
            Err(InstrumentError { file: file_name.to_owned(), problems: c.problems })
        }
    }
}

fn fingerprint(text: &str) -> String {
    let digest = Sm3::digest(text.replace("\r\n", "\n").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn line_col(text: &str, offset: usize) -> String {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("第 {line} 行第 {col} 列")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::instrument::BUILTIN_FILES;
    #[test]
    fn fingerprint_ignores_line_endings_only() {
        let lf = BUILTIN_FILES[1].1;
        let crlf = lf.replace('\n', "\r\n");
        let a = Instrument::from_toml("a.toml", lf).unwrap();
        let b = Instrument::from_toml("b.toml", &crlf).unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        let edited = lf.replace("min_score = 80", "min_score = 85");
        assert_ne!(Instrument::from_toml("c.toml", &edited).unwrap().fingerprint(), a.fingerprint());
    }
}
