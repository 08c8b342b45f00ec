//! The keys a user gives: `--psk "passphrase:SSID"` (or a passphrase alone), `--pmk HEX`,
//! `--tk HEX`, `--wep HEX`, and files in Wireshark's `80211_keys` format. Passphrases become
//! PMKs once per SSID; a passphrase without an SSID is tried with the SSIDs the capture names.
//! Nothing here prints a key: each is named by its [`fingerprint`].

use super::fingerprint;
use super::kdf::{pmk_from_passphrase, KeyError};

/// Why a key given by the user was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeySpecError {
    #[error("{what}: {error}")]
    Derive { what: String, error: KeyError },
    #[error("{what}: expected {want} hex digits, got {got}")]
    Hex {
        what: String,
        want: &'static str,
        got: usize,
    },
    #[error("{what}: bad percent escape")]
    Escape { what: String },
    #[error("{file}, line {line}: {message}")]
    File {
        file: String,
        line: usize,
        message: String,
    },
}

/// A pairwise master key, and where it came from (for outputs: never the key itself).
#[derive(Clone, PartialEq, Eq)]
pub struct Pmk {
    pub key: [u8; 32],
    /// The SSID it was derived for (a passphrase), or None (a PMK/PSK given directly).
    pub ssid: Option<Vec<u8>>,
    pub source: &'static str,
}

impl std::fmt::Debug for Pmk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pmk({} {})", self.source, fingerprint(&self.key))
    }
}

/// Every key the user gave.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KeyRing {
    pub pmks: Vec<Pmk>,
    /// Passphrases given without an SSID (Wireshark's `"wpa-pwd","passphrase"`): their PMKs are
    /// derived for the SSIDs the capture names (`handshake::KeySchedule::build`).
    pub passphrases: Vec<Vec<u8>>,
    /// Temporal keys given directly: 16 bytes (CCMP-128, GCMP-128) or 32 (CCMP-256,
    /// GCMP-256).
    pub tks: Vec<Vec<u8>>,
    /// WEP keys (IEEE 802.11-2020 12.3.2): 5 bytes (WEP-40) or 13 (WEP-104).
    pub wep: Vec<Vec<u8>>,
}

impl std::fmt::Debug for KeyRing {
    // Key material never reaches a log: kinds and fingerprints only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyRing({})", self.describe().join(", "))
    }
}

/// Undoes Wireshark's percent escapes (`%3a` for `:`, `%25` for `%`).
fn unescape(s: &str, what: &str) -> Result<Vec<u8>, KeySpecError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| KeySpecError::Escape { what: what.into() })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn hex_key<const N: usize>(s: &str, what: &str) -> Result<[u8; N], KeySpecError> {
    let digits: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':' && *c != '-')
        .collect();
    let bad = || KeySpecError::Hex {
        what: what.into(),
        want: match N {
            16 => "32",
            32 => "64",
            _ => "more",
        },
        got: digits.len(),
    };
    if digits.len() != 2 * N || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

impl KeyRing {
    /// `passphrase:SSID`, or a passphrase alone (as `--psk` and Wireshark's `wpa-pwd`). The
    /// PMK is derived once per (passphrase, SSID); without an SSID, for each SSID of the
    /// capture's handshakes.
    pub fn add_passphrase(&mut self, spec: &str) -> Result<(), KeySpecError> {
        self.passphrase_as(spec, "--psk")
    }

    fn passphrase_as(&mut self, spec: &str, what: &str) -> Result<(), KeySpecError> {
        let Some((pass, ssid)) = spec.split_once(':') else {
            let pass = unescape(spec, what)?;
            // Checked now, as a PMK would be: a passphrase no SSID can use is an error.
            pmk_from_passphrase(&pass, b"").map_err(|error| KeySpecError::Derive {
                what: what.into(),
                error,
            })?;
            if !self.passphrases.contains(&pass) {
                self.passphrases.push(pass);
            }
            return Ok(());
        };
        let (pass, ssid) = (unescape(pass, what)?, unescape(ssid, what)?);
        let key = pmk_from_passphrase(&pass, &ssid).map_err(|error| KeySpecError::Derive {
            what: what.into(),
            error,
        })?;
        self.push_pmk(Pmk {
            key,
            ssid: Some(ssid),
            source: "passphrase",
        });
        Ok(())
    }

    /// A PMK (or WPA PSK) as 64 hex digits.
    pub fn add_pmk(&mut self, hex: &str) -> Result<(), KeySpecError> {
        self.pmk_as(hex, "--pmk")
    }

    fn pmk_as(&mut self, hex: &str, what: &str) -> Result<(), KeySpecError> {
        let key = hex_key::<32>(hex, what)?;
        self.push_pmk(Pmk {
            key,
            ssid: None,
            source: "pmk",
        });
        Ok(())
    }

    /// A temporal key: 32 hex digits (CCMP-128 or GCMP-128) or 64 (CCMP-256 or GCMP-256);
    /// the frames' MIC tells which cipher.
    pub fn add_tk(&mut self, hex: &str) -> Result<(), KeySpecError> {
        self.tk_as(hex, "--tk")
    }

    fn tk_as(&mut self, hex: &str, what: &str) -> Result<(), KeySpecError> {
        let tk = match hex_key::<32>(hex, what) {
            Ok(k) => k.to_vec(),
            Err(_) => hex_key::<16>(hex, what)
                .map(|k| k.to_vec())
                .map_err(|e| match e {
                    KeySpecError::Hex { what, got, .. } => KeySpecError::Hex {
                        what,
                        want: "32 or 64",
                        got,
                    },
                    e => e,
                })?,
        };
        if !self.tks.contains(&tk) {
            self.tks.push(tk);
        }
        Ok(())
    }

    /// A WEP key (12.3.2): 10 hex digits (WEP-40) or 26 (WEP-104), `:` or `-` between
    /// octets allowed.
    pub fn add_wep(&mut self, hex: &str) -> Result<(), KeySpecError> {
        self.wep_as(hex, "--wep")
    }

    fn wep_as(&mut self, hex: &str, what: &str) -> Result<(), KeySpecError> {
        let key = match hex_key::<13>(hex, what) {
            Ok(k) => k.to_vec(),
            Err(_) => hex_key::<5>(hex, what)
                .map(|k| k.to_vec())
                .map_err(|e| match e {
                    KeySpecError::Hex { what, got, .. } => KeySpecError::Hex {
                        what,
                        want: "10 or 26",
                        got,
                    },
                    e => e,
                })?,
        };
        if !self.wep.contains(&key) {
            self.wep.push(key);
        }
        Ok(())
    }

    fn push_pmk(&mut self, p: Pmk) {
        if !self.pmks.iter().any(|q| q.key == p.key) {
            self.pmks.push(p);
        }
    }

    /// Reads a file in Wireshark's `80211_keys` format: one `"type","key"` record per line
    /// (`wpa-pwd` passphrase:SSID or a passphrase alone, `wpa-psk` 64 hex digits, `tk` 32 or
    /// 64 hex digits, `wep` 10 or 26 hex digits); `#` starts a comment. A line roamgap cannot
    /// use (another type such as `msk`, a malformed key) is skipped: the returned warnings name
    /// the file and line, never the key.
    pub fn add_wireshark_file(&mut self, name: &str, text: &str) -> Vec<KeySpecError> {
        let mut warnings = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields = quoted_fields(line);
            let err = |message: String| KeySpecError::File {
                file: name.into(),
                line: i + 1,
                message,
            };
            let (Some(kind), Some(value)) = (fields.first(), fields.get(1)) else {
                warnings.push(err("expected \"type\",\"key\"".into()));
                continue;
            };
            let r = match kind.as_str() {
                "wpa-pwd" => self.passphrase_as(value, "wpa-pwd"),
                "wpa-psk" => self.pmk_as(value, "wpa-psk"),
                "tk" => self.tk_as(value, "tk"),
                "wep" => self.wep_as(value, "wep"),
                other => {
                    // The type is a word of the format, not key material; cut it short anyway.
                    let other: String = other.chars().take(16).collect();
                    warnings.push(err(format!(
                        "key type `{other}` is not supported (wpa-pwd, wpa-psk, tk and wep are); line skipped"
                    )));
                    continue;
                }
            };
            // The message names the key's kind, never its value.
            if let Err(e) = r {
                warnings.push(err(format!("{e}; line skipped")));
            }
        }
        warnings
    }

    pub fn is_empty(&self) -> bool {
        self.pmks.is_empty()
            && self.tks.is_empty()
            && self.wep.is_empty()
            && self.passphrases.is_empty()
    }

    /// What the ring holds, for outputs: kinds and fingerprints only.
    pub fn describe(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .pmks
            .iter()
            .map(|p| match &p.ssid {
                Some(s) => format!(
                    "PMK {} (from a passphrase for SSID \"{}\")",
                    fingerprint(&p.key),
                    String::from_utf8_lossy(s)
                ),
                None => format!("PMK {}", fingerprint(&p.key)),
            })
            .collect();
        // A passphrase is not fingerprinted: a hash of it, unlike one of a PMK (4096 PBKDF2
        // rounds away), would let a dictionary be checked against the report cheaply.
        out.extend(
            (1..=self.passphrases.len())
                .map(|i| format!("passphrase #{i} (tried with the capture's SSIDs)")),
        );
        out.extend(self.tks.iter().map(|t| format!("TK {}", fingerprint(t))));
        out.extend(self.wep.iter().map(|k| {
            format!(
                "WEP-{} {}",
                if k.len() == 5 { 40 } else { 104 },
                fingerprint(k)
            )
        }));
        out
    }
}

/// The double-quoted, comma-separated fields of a line (`""` inside a field is a quote).
fn quoted_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        match chars.next() {
            Some('"') => {
                let mut f = String::new();
                while let Some(c) = chars.next() {
                    if c == '"' {
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            f.push('"');
                        } else {
                            break;
                        }
                    } else {
                        f.push(c);
                    }
                }
                fields.push(f);
            }
            Some(c) => {
                let mut f = String::from(c);
                while let Some(&c) = chars.peek() {
                    if c == ',' {
                        break;
                    }
                    f.push(c);
                    chars.next();
                }
                fields.push(f.trim().to_string());
            }
            None => return fields,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passphrases_become_pmks_once() {
        let mut k = KeyRing::default();
        k.add_passphrase("password:IEEE").unwrap();
        k.add_passphrase("password:IEEE").unwrap();
        assert_eq!(k.pmks.len(), 1);
        assert_eq!(k.pmks[0].key[..4], [0xf4, 0x2c, 0x6f, 0xc5]);
        // Escapes, as in Wireshark: a colon inside the passphrase.
        k.add_passphrase("pass%3aword:my%25net").unwrap();
        assert_eq!(
            k.pmks[1].key,
            pmk_from_passphrase(b"pass:word", b"my%net").unwrap()
        );
        // A passphrase alone waits for the capture's SSIDs.
        k.add_passphrase("Induction").unwrap();
        assert_eq!(k.passphrases, [b"Induction".to_vec()]);
        assert!(matches!(
            k.add_passphrase("short"),
            Err(KeySpecError::Derive { .. })
        ));
        assert!(matches!(
            k.add_passphrase("short:x"),
            Err(KeySpecError::Derive { .. })
        ));
        assert!(matches!(
            k.add_passphrase("bad%zzescape:x"),
            Err(KeySpecError::Escape { .. })
        ));
    }

    #[test]
    fn hex_keys_have_their_length() {
        let mut k = KeyRing::default();
        k.add_tk("c97c1f67ce371185514a8a19f2bdd52f").unwrap();
        k.add_tk("c9:7c:1f:67:ce:37:11:85:51:4a:8a:19:f2:bd:d5:2f")
            .unwrap();
        assert_eq!(k.tks.len(), 1);
        assert!(matches!(
            k.add_tk("c97c"),
            Err(KeySpecError::Hex { got: 4, .. })
        ));
        assert!(k.add_pmk(&"ab".repeat(32)).is_ok());
        assert!(k.add_pmk(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn wireshark_key_files_are_read_and_errors_name_the_line_not_the_key() {
        let mut k = KeyRing::default();
        let file = "# keys\n\"wpa-pwd\",\"password:IEEE\"\n\"tk\",\"c97c1f67ce371185514a8a19f2bdd52f\"\n\n\"wpa-psk\",\"f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e\"\n";
        assert!(k.add_wireshark_file("80211_keys", file).is_empty());
        // The PSK is the PMK of the passphrase: one key.
        assert_eq!(k.pmks.len(), 1);
        assert_eq!(k.tks.len(), 1);
        // Lines roamgap cannot use are skipped with a warning; the others are read.
        let w = k.add_wireshark_file(
            "keys",
            "\"msk\",\"00112233\"\n\"wpa-pwd\",\"tiny:x\"\n\"wep\",\"1F:1F:1F:1F:1F\"\n\"wpa-pwd\",\"Induction\"\n\"wep\",\"0102030405060708090a0b0c0d\"\n\"tk\",\"c97c\"\n",
        );
        let w: Vec<String> = w.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            w,
            [
                "keys, line 1: key type `msk` is not supported (wpa-pwd, wpa-psk, tk and wep are); line skipped",
                "keys, line 2: wpa-pwd: a WPA passphrase is 8 to 63 printable ASCII characters (this one has 4); line skipped",
                "keys, line 6: tk: expected 32 or 64 hex digits, got 4; line skipped",
            ]
        );
        assert_eq!(k.wep, [vec![0x1f; 5], (1u8..14).collect::<Vec<_>>()]);
        assert_eq!(k.passphrases.len(), 1);
        assert!(k.add_wep("1f1f").is_err() && k.add_wep("1f-1f-1f-1f-1f").is_ok());
        assert_eq!(k.wep.len(), 2);
        let d = k.describe().join("; ");
        assert!(d.contains("SSID \"IEEE\"") && !d.contains("password") && !d.contains("c97c"));
        assert!(d.contains("WEP-40 ") && d.contains("WEP-104 ") && !d.contains("Induction"));
        assert!(d.contains("passphrase #1 (tried with the capture's SSIDs)"));
        let debug = format!("{k:?}");
        assert!(!debug.contains("Induction") && !debug.contains("31, 31"));
    }
}
