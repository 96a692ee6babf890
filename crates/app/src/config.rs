//! Settings: built-in defaults for every key, then a TOML file, then
//! `DENGTA_*` environment variables (nested keys with `__`, e.g.
//! `DENGTA_SESSION__IDLE_MINUTES=15`), then command-line flags.

use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on.
    pub listen: String,
    /// `sqlite://path/file.db` (default) or `postgres://user@host/db`.
    pub database_url: String,
    /// Pool size.
    pub max_connections: u32,
    /// How long a request waits for a database connection before it is answered 503 with
    /// Retry-After (PostgreSQL unreachable: fail fast, never hang). SQLite, whose writers may
    /// wait on the file lock, uses at least 10 s.
    pub database_acquire_timeout_ms: u64,
    /// Take PostgreSQL's advisory lock while migrating (off for compatible engines without one).
    pub database_migration_lock: bool,
    /// A streaming replica of the PostgreSQL primary (`postgres://…`; empty: none). Read-only
    /// pages and lists read from it; a caller who has just written reads from the primary until
    /// the replica has replayed the write.
    pub database_replica_url: String,
    /// How far behind the primary the replica may be for callers who wrote nothing; beyond it
    /// every read goes to the primary.
    pub database_replica_max_lag_ms: u64,
    /// Public base URL, used in printed links.
    pub public_url: String,
    /// Where import error reports and other generated files are kept.
    pub data_dir: String,
    /// Programme files (`*.toml`) a region adds to those built in, or built-in ones replaced by
    /// a later version: read at start and checked like the built-in ones (a faulty file stops
    /// the start, naming the file and the field). Every server of one database reads the same.
    pub programmes_dir: String,
    pub log: LogSettings,
    pub session: SessionSettings,
    pub security: SecuritySettings,
    pub privacy: PrivacySettings,
    pub equipment: EquipmentSettings,
    pub providers: ProviderSettings,
    pub server: ServerSettings,
    pub webhooks: WebhookSettings,
    pub mail: MailSettings,
    pub sms: SmsSettings,
}

/// Notices by e-mail (see `app::outbound`): off unless enabled. Sent in plain SMTP (no TLS
/// stack is built in) to an in-house relay on the office network, which carries them on.
/// Retries follow `[webhooks]` (`poll_ms`, `retry_base_ms`, `max_attempts`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSettings {
    pub enabled: bool,
    pub smtp_host: String,
    pub smtp_port: u16,
    /// The sender, e.g. `灯塔平台 <dengta@example.gov.cn>`.
    pub from: String,
    /// SMTP AUTH, when the relay asks for it (empty: none).
    pub username: String,
    pub password: String,
    /// How long one attempt (connection and conversation) may take.
    pub timeout_ms: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            enabled: false,
            smtp_host: String::new(),
            smtp_port: 25,
            from: String::new(),
            username: String::new(),
            password: String::new(),
            timeout_ms: 10_000,
        }
    }
}

/// Notices by SMS through an in-house SMS gateway (see `app::outbound`): off unless enabled.
/// Each message is `POST <gateway_url>` of `{"to", "text", "id"}`, signed like a webhook
/// (`X-Dengta-Signature`, HMAC-SHA256 under `secret`). Retries follow `[webhooks]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsSettings {
    pub enabled: bool,
    /// `http://…` (no TLS stack is built in: the gateway is on the office network).
    pub gateway_url: String,
    pub secret: String,
    pub timeout_ms: u64,
}

impl Default for SmsSettings {
    fn default() -> Self {
        SmsSettings { enabled: false, gateway_url: String::new(), secret: String::new(), timeout_ms: 10_000 }
    }
}

/// Outbound webhooks (see `app::webhooks`). Nothing is sent unless a subscription exists.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// How often the server looks for deliveries that are due.
    pub poll_ms: u64,
    /// The wait before the first retry; each further retry waits twice as long (at most an hour).
    pub retry_base_ms: i64,
    /// Attempts before a delivery is given up (it can still be replayed).
    pub max_attempts: i64,
    /// How long one attempt may take.
    pub timeout_ms: u64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings { poll_ms: 1000, retry_base_ms: 10_000, max_attempts: 8, timeout_ms: 10_000 }
    }
}

/// Connection limits of the HTTP server: a slow or idle client cannot hold a connection
/// (or the whole server) for long.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// A request's headers must arrive complete this long after the server starts waiting for
    /// them (also how long a kept-alive connection may wait for its next request).
    pub header_read_timeout_secs: u64,
    /// A connection on which no byte moves either way for this long is closed.
    pub idle_timeout_secs: u64,
    /// A request body that sends nothing for this long is cut off (the upload fails cleanly).
    pub body_read_timeout_secs: u64,
    /// A request's handling (body included) must end within this long (408 otherwise).
    pub request_timeout_secs: u64,
    /// Open connections at most; further clients wait in the listen backlog.
    pub max_open_connections: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            header_read_timeout_secs: 10,
            idle_timeout_secs: 60,
            body_read_timeout_secs: 30,
            request_timeout_secs: 60,
            max_open_connections: 1024,
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderSettings {
    /// The 公示 period of a provider admission in seconds; 0 uses `publicity_days` of
    /// data/rules/provider-pool.toml. For a city whose notice period differs (or a rehearsal).
    pub publicity_seconds: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacySettings {
    /// Personal data on an enterprise file (legal representative, phone) is
    /// erased this many days after it was collected or last changed (PIPL:
    /// keep no longer than needed).
    pub pi_retention_days: i64,
}

/// Device readings (设备上云): how long raw readings are kept (hourly and daily sums are kept for
/// good), how far behind a device's latest reading a late one may still come, and how many
/// readings one batch may carry.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EquipmentSettings {
    pub raw_retention_days: i64,
    pub late_window_hours: i64,
    pub max_batch: usize,
}

impl Default for EquipmentSettings {
    fn default() -> Self {
        EquipmentSettings { raw_retention_days: 90, late_window_hours: 24, max_batch: 5000 }
    }
}

impl Default for PrivacySettings {
    fn default() -> Self {
        PrivacySettings { pi_retention_days: 1095 }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `text` or `json`.
    pub format: String,
    /// A tracing filter, e.g. `info` or `dengta=debug,info`.
    pub level: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// A session unused this long ends.
    pub idle_minutes: i64,
    /// A session ends this long after login whatever its use.
    pub absolute_hours: i64,
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySettings {
    /// Failed logins within the window that lock an account.
    pub lockout_threshold: i64,
    pub lockout_window_minutes: i64,
    /// How long a lockout lasts (a security administrator can lift it earlier).
    pub lockout_minutes: i64,
    pub min_password_length: usize,
    /// Password hashes (argon2id, ~19 MiB each) computed at once; the rest wait.
    pub max_concurrent_hashes: usize,
    /// How long a login waits for a hashing slot before it is answered 503 with Retry-After.
    pub hash_wait_ms: u64,
    /// Login attempts allowed per client address per minute (0: no limit).
    pub login_per_address_per_minute: u32,
    /// Login attempts allowed per account name per minute (0: no limit).
    pub login_per_account_per_minute: u32,
    /// Public forms (objections, enterprise registration, provider application) per client
    /// address per hour (0: no limit).
    pub public_forms_per_address_per_hour: u32,
    /// Proxies (IP addresses) whose `X-Forwarded-For` names the client; empty: the peer address.
    pub trusted_proxies: Vec<String>,
    /// Lifetime of a new API token in days.
    pub token_days: i64,
    /// Roles that must log in with a second factor (TOTP); demo accounts are exempt.
    pub totp_roles: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://data/dengta.db".into(),
            max_connections: 8,
            database_acquire_timeout_ms: 2000,
            database_migration_lock: true,
            database_replica_url: String::new(),
            database_replica_max_lag_ms: 5000,
            public_url: String::new(),
            data_dir: "data".into(),
            programmes_dir: String::new(),
            log: LogSettings::default(),
            session: SessionSettings::default(),
            security: SecuritySettings::default(),
            privacy: PrivacySettings::default(),
            equipment: EquipmentSettings::default(),
            providers: ProviderSettings::default(),
            server: ServerSettings::default(),
            webhooks: WebhookSettings::default(),
            mail: MailSettings::default(),
            sms: SmsSettings::default(),
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings { format: "text".into(), level: "info".into() }
    }
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings { idle_minutes: 30, absolute_hours: 12, secure_cookies: false }
    }
}

impl Default for SecuritySettings {
    fn default() -> Self {
        SecuritySettings {
            lockout_threshold: 5,
            lockout_window_minutes: 15,
            lockout_minutes: 15,
            min_password_length: 8,
            max_concurrent_hashes: 2,
            hash_wait_ms: 2000,
            login_per_address_per_minute: 20,
            login_per_account_per_minute: 10,
            public_forms_per_address_per_hour: 30,
            trusted_proxies: Vec::new(),
            token_days: 90,
            totp_roles: ["officer", "sysadmin", "secadmin", "auditadmin"].map(String::from).to_vec(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("config file {path}: {message}")]
    Parse { path: String, message: String },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
    #[error("invalid setting {key}: {message}")]
    Invalid { key: &'static str, message: String },
}

impl Settings {
    /// Layers the file (if any) and the environment over the defaults.
    pub fn load(file: Option<&Path>, env: impl Iterator<Item = (String, String)>) -> Result<Settings, ConfigError> {
        let mut value = toml::Value::try_from(Settings::default())
            .map_err(|e| ConfigError::Parse { path: "<defaults>".into(), message: e.to_string() })?;
        if let Some(path) = file {
            let p = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: p.clone(), source })?;
            let file_value: toml::Value =
                toml::from_str(&text).map_err(|e| ConfigError::Parse { path: p.clone(), message: e.to_string() })?;
            merge(&mut value, file_value);
        }
        for (var, raw) in env {
            let Some(rest) = var.strip_prefix("DENGTA_") else {
                continue;
            };
            // DENGTA_CONFIG names the file; DENGTA_TEST_* and DENGTA_BIN belong to the test harness.
            if rest == "CONFIG" || rest == "BIN" || rest.starts_with("TEST_") {
                continue;
            }
            let path: Vec<String> = rest.split("__").map(|s| s.to_lowercase()).collect();
            set_path(&mut value, &path, &raw).map_err(|message| ConfigError::Env { var: var.clone(), message })?;
        }
        let s: Settings = value.try_into().map_err(|e: toml::de::Error| ConfigError::Parse {
            path: file.map(|p| p.display().to_string()).unwrap_or_else(|| "<environment>".into()),
            message: e.to_string(),
        })?;
        s.validate()?;
        Ok(s)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key, message: &str| Err(ConfigError::Invalid { key, message: message.to_owned() });
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            return bad("listen", "expected host:port, e.g. 127.0.0.1:8080");
        }
        if self.session.idle_minutes <= 0 || self.session.absolute_hours <= 0 {
            return bad("session", "durations must be positive");
        }
        if self.security.lockout_threshold <= 0
            || self.security.lockout_minutes <= 0
            || self.security.lockout_window_minutes <= 0
        {
            return bad("security", "lockout settings must be positive");
        }
        if self.security.min_password_length < 8 {
            return bad("security.min_password_length", "must be at least 8");
        }
        if self.security.max_concurrent_hashes == 0 {
            return bad("security.max_concurrent_hashes", "must be at least 1");
        }
        if self.security.token_days <= 0 {
            return bad("security.token_days", "must be positive");
        }
        if let Some(r) = self.security.totp_roles.iter().find(|r| r.parse::<dengta_domain::role::Role>().is_err()) {
            return bad("security.totp_roles", &format!("unknown role {r}"));
        }
        if let Some(a) = self.security.trusted_proxies.iter().find(|a| a.parse::<std::net::IpAddr>().is_err()) {
            return bad("security.trusted_proxies", &format!("not an IP address: {a}"));
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            return bad("log.format", "expected text or json");
        }
        if self.privacy.pi_retention_days <= 0 {
            return bad("privacy.pi_retention_days", "must be positive");
        }
        if self.equipment.raw_retention_days <= 0 {
            return bad("equipment.raw_retention_days", "must be positive");
        }
        if self.equipment.late_window_hours < 0 {
            return bad("equipment.late_window_hours", "must not be negative");
        }
        if !(1..=50_000).contains(&self.equipment.max_batch) {
            return bad("equipment.max_batch", "must be between 1 and 50000");
        }
        if self.max_connections == 0 {
            return bad("max_connections", "must be at least 1");
        }
        if self.database_acquire_timeout_ms == 0 {
            return bad("database_acquire_timeout_ms", "must be positive");
        }
        let sv = &self.server;
        if sv.header_read_timeout_secs == 0
            || sv.idle_timeout_secs == 0
            || sv.body_read_timeout_secs == 0
            || sv.request_timeout_secs == 0
        {
            return bad("server", "timeouts must be positive");
        }
        if sv.max_open_connections == 0 {
            return bad("server.max_open_connections", "must be at least 1");
        }
        if self.mail.enabled {
            if self.mail.smtp_host.trim().is_empty() || self.mail.smtp_port == 0 {
                return bad("mail.smtp_host", "the relay's host and port are needed when mail is enabled");
            }
            if self.mail.from.parse::<lettre::message::Mailbox>().is_err() {
                return bad("mail.from", "expected a sender address, e.g. 灯塔平台 <dengta@example.gov.cn>");
            }
            if self.mail.timeout_ms == 0 {
                return bad("mail.timeout_ms", "must be positive");
            }
        }
        if self.sms.enabled {
            let url = self.sms.gateway_url.trim();
            if url.strip_prefix("http://").is_none_or(|rest| rest.is_empty()) {
                return bad("sms.gateway_url", "expected an http:// address when SMS is enabled");
            }
            if self.sms.secret.is_empty() {
                return bad("sms.secret", "the signing secret is needed when SMS is enabled");
            }
            if self.sms.timeout_ms == 0 {
                return bad("sms.timeout_ms", "must be positive");
            }
        }
        Ok(())
    }

    /// The commented default file (`dengta config`).
    pub fn default_toml() -> String {
        let body = toml::to_string_pretty(&Settings::default()).unwrap_or_default();
        format!(
            "# Dengta configuration. Every key is optional; these are the defaults.\n# Environment: DENGTA_<KEY>, nested with __ (DENGTA_SESSION__IDLE_MINUTES).\n\n{body}"
        )
    }
}

fn merge(base: &mut toml::Value, over: toml::Value) {
    match (base, over) {
        (toml::Value::Table(b), toml::Value::Table(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// Sets a key from an environment string, typed like the default it replaces.
fn set_path(root: &mut toml::Value, path: &[String], raw: &str) -> Result<(), String> {
    let mut cur = root;
    for (i, key) in path.iter().enumerate() {
        let table = cur.as_table_mut().ok_or_else(|| format!("{key} is not a section"))?;
        let slot = table.get_mut(key).ok_or_else(|| format!("unknown setting {}", path.join(".")))?;
        if i + 1 == path.len() {
            *slot = match slot {
                toml::Value::Integer(_) => {
                    toml::Value::Integer(raw.trim().parse().map_err(|_| "expected a whole number".to_string())?)
                }
                toml::Value::Boolean(_) => {
                    toml::Value::Boolean(raw.trim().parse().map_err(|_| "expected true or false".to_string())?)
                }
                toml::Value::Table(_) => return Err("is a section; set its keys with __".into()),
                // Lists from the environment are comma-separated.
                toml::Value::Array(_) => toml::Value::Array(
                    raw.split(',')
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(|v| toml::Value::String(v.to_owned()))
                        .collect(),
                ),
                _ => toml::Value::String(raw.to_owned()),
            };
            return Ok(());
        }
        cur = slot;
    }
    Err("empty key".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>().into_iter()
    }

    #[test]
    fn defaults_need_no_file() {
        let s = Settings::load(None, env(&[])).unwrap();
        assert_eq!(s.listen, "127.0.0.1:8080");
        assert_eq!(s.security.lockout_threshold, 5);
    }

    #[test]
    fn file_then_env_override_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("d.toml");
        std::fs::write(&f, "listen = \"127.0.0.1:9000\"\n[session]\nidle_minutes = 10\n").unwrap();
        let s = Settings::load(Some(&f), env(&[("DENGTA_SESSION__IDLE_MINUTES", "5"), ("PATH", "/bin")])).unwrap();
        assert_eq!(s.listen, "127.0.0.1:9000");
        assert_eq!(s.session.idle_minutes, 5);
        assert_eq!(s.session.absolute_hours, 12);
    }

    #[test]
    fn lists_come_from_the_environment_comma_separated() {
        let s = Settings::load(None, env(&[("DENGTA_SECURITY__TOTP_ROLES", "sysadmin, secadmin")])).unwrap();
        assert_eq!(s.security.totp_roles, ["sysadmin", "secadmin"]);
        let e = Settings::load(None, env(&[("DENGTA_SECURITY__TOTP_ROLES", "pirate")])).unwrap_err();
        assert!(e.to_string().contains("totp_roles"), "{e}");
        let e = Settings::load(None, env(&[("DENGTA_SECURITY__TRUSTED_PROXIES", "not-an-ip")])).unwrap_err();
        assert!(e.to_string().contains("trusted_proxies"), "{e}");
    }

    #[test]
    fn mail_and_sms_are_off_by_default_and_checked_when_on() {
        let s = Settings::load(None, env(&[])).unwrap();
        assert!(!s.mail.enabled && !s.sms.enabled);
        assert_eq!(s.mail.smtp_port, 25);
        let e = Settings::load(None, env(&[("DENGTA_MAIL__ENABLED", "true")])).unwrap_err();
        assert!(e.to_string().contains("mail.smtp_host"), "{e}");
        let on = [
            ("DENGTA_MAIL__ENABLED", "true"),
            ("DENGTA_MAIL__SMTP_HOST", "relay.office"),
            ("DENGTA_MAIL__SMTP_PORT", "2525"),
            ("DENGTA_MAIL__FROM", "灯塔平台 <dengta@example.gov.cn>"),
        ];
        let s = Settings::load(None, env(&on)).unwrap();
        assert!(s.mail.enabled);
        assert_eq!((s.mail.smtp_host.as_str(), s.mail.smtp_port), ("relay.office", 2525));
        let e =
            Settings::load(None, env(&[("DENGTA_SMS__ENABLED", "true"), ("DENGTA_SMS__GATEWAY_URL", "http://sms")]))
                .unwrap_err();
        assert!(e.to_string().contains("sms.secret"), "{e}");
        let e = Settings::load(
            None,
            env(&[
                ("DENGTA_SMS__ENABLED", "true"),
                ("DENGTA_SMS__GATEWAY_URL", "https://sms"),
                ("DENGTA_SMS__SECRET", "k"),
            ]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("sms.gateway_url"), "{e}");
    }

    #[test]
    fn bad_values_are_named() {
        let e = Settings::load(None, env(&[("DENGTA_SESSION__IDLE_MINUTES", "soon")])).unwrap_err();
        assert!(e.to_string().contains("DENGTA_SESSION__IDLE_MINUTES"), "{e}");
        let e = Settings::load(None, env(&[("DENGTA_NO_SUCH", "1")])).unwrap_err();
        assert!(e.to_string().contains("unknown setting"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("d.toml");
        std::fs::write(&f, "[security]\nlockout_threshold = 0\n").unwrap();
        assert!(Settings::load(Some(&f), env(&[])).is_err());
        std::fs::write(&f, "bogus = 1\n").unwrap();
        assert!(Settings::load(Some(&f), env(&[])).is_err());
    }
}
