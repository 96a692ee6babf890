//! TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps), the second factor of officers and
//! administrators, with the base32 text and `otpauth://` URI an authenticator app reads.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;
/// Steps accepted either side of now (clock drift of the phone).
pub const DRIFT_STEPS: i64 = 1;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buf >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buf << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes base32 (case-insensitive, spaces and padding ignored); `None` on a bad character.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = ALPHABET.iter().position(|a| char::from(*a) == c.to_ascii_uppercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buf >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// The HOTP value (RFC 4226) of `counter`.
pub fn hotp(key: &[u8], counter: u64) -> Option<u32> {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).ok()?;
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let off = usize::from(h[h.len() - 1] & 0x0f);
    let bin = u32::from_be_bytes([h[off] & 0x7f, h[off + 1], h[off + 2], h[off + 3]]);
    Some(bin % 10u32.pow(DIGITS))
}

/// The six-digit code for a secret at `unix_seconds`.
pub fn code_at(secret_b32: &str, unix_seconds: i64) -> Option<String> {
    let key = base32_decode(secret_b32)?;
    let step = unix_seconds.div_euclid(STEP_SECONDS);
    Some(format!("{:06}", hotp(&key, u64::try_from(step).ok()?)?))
}

/// The time step `code` is valid for, within the drift window, or `None`.
pub fn verify(secret_b32: &str, code: &str, unix_seconds: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let key = base32_decode(secret_b32)?;
    let now = unix_seconds.div_euclid(STEP_SECONDS);
    (now - DRIFT_STEPS..=now + DRIFT_STEPS).find(|&step| {
        u64::try_from(step)
            .ok()
            .and_then(|s| hotp(&key, s))
            .is_some_and(|v| constant_eq(format!("{v:06}").as_bytes(), code.as_bytes()))
    })
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The URI an authenticator app scans (as a QR code) or takes as a link.
pub fn otpauth_uri(issuer: &str, account: &str, secret_b32: &str) -> String {
    let esc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        esc(issuer),
        esc(account),
        esc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 (8-digit values; the last six digits are ours).
    #[test]
    fn rfc6238_vectors() {
        let secret = base32_encode(b"12345678901234567890");
        for (t, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            assert_eq!(code_at(&secret, t).unwrap(), eight[2..], "t={t}");
        }
    }

    #[test]
    fn base32_round_trips_and_matches_rfc4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("mzxw 6ytb oi======").unwrap(), b"foobar");
        assert!(base32_decode("M1").is_none());
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(base32_decode(&base32_encode(&bytes)).unwrap(), bytes);
    }

    #[test]
    fn verify_accepts_one_step_of_drift_only() {
        let secret = base32_encode(b"12345678901234567890");
        let now = 1_234_567_890;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(verify(&secret, &code, now), Some(now / 30));
        assert_eq!(verify(&secret, &code, now + 30), Some(now / 30));
        assert_eq!(verify(&secret, &code, now + 90), None);
        assert_eq!(verify(&secret, "12345", now), None);
        assert_eq!(verify(&secret, "abcdef", now), None);
    }

    #[test]
    fn uri_names_issuer_account_and_parameters() {
        let u = otpauth_uri("灯塔 Dengta", "demo-officer", "ABC");
        assert!(u.starts_with("otpauth://totp/%E7%81%AF%E5%A1%94%20Dengta:demo-officer?secret=ABC&issuer="), "{u}");
        assert!(u.ends_with("&digits=6&period=30"), "{u}");
    }
}
