//! The keys a user gives: `--psk "passphrase:SSID"` (or a passphrase alone), `--pmk HEX`,
//! `--tk HEX`, `--wep HEX`, and files in Wireshark's `80211_keys` format. Passphrases become
//! PMKs once per SSID; a passphrase without an SSID is tried with the SSIDs the capture names.
//! Nothing here prints a key: each is named by its [`fingerprint`].

use std::collections::HashSet;

use rayon::prelude::*;

use super::fingerprint;
use super::kdf::{check_passphrase, pmk_from_passphrase, KeyError};

/// Warnings about a key file's lines kept, at most: a file of a million bad lines says how
/// many more were skipped instead of a million lines.
pub(crate) const MAX_KEY_FILE_WARNINGS: usize = 20;

/// The largest key file read: 3 million keys of any kind fit in it; a device or a pipe that
/// never ends does not fill the memory.
pub(crate) const MAX_KEY_FILE_BYTES: u64 = 256 << 20;

/// Keys named one by one in outputs, at most (a key file may hold a million).
pub(crate) const MAX_DESCRIBED_KEYS: usize = 32;

/// The key types of Wireshark's `80211_keys` file: a first field outside this list may be a
/// key written in the wrong column, and is never shown.
const WIRESHARK_KEY_TYPES: [&str; 5] = ["wep", "wpa-pwd", "wpa-psk", "tk", "msk"];

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
    #[error(
        "{file}: {skipped} more lines skipped (only the first {MAX_KEY_FILE_WARNINGS} are named)"
    )]
    FileMore { file: String, skipped: usize },
}

/// A pairwise master key, and where it came from (for outputs: never the key itself).
#[derive(Clone, PartialEq, Eq)]
pub struct Pmk {
    pub(crate) key: [u8; 32],
    /// The SSID it was derived for (a passphrase), or None (a PMK/PSK given directly).
    pub(crate) ssid: Option<Vec<u8>>,
    pub(crate) source: &'static str,
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
    pub(crate) passphrases: Vec<Vec<u8>>,
    /// Temporal keys given directly: 16 bytes (CCMP-128, GCMP-128) or 32 (CCMP-256,
    /// GCMP-256).
    pub tks: Vec<Vec<u8>>,
    /// WEP keys (IEEE 802.11-2020 12.3.2): 5 bytes (WEP-40) or 13 (WEP-104).
    pub wep: Vec<Vec<u8>>,
    /// Every key above once, so that a key given again is found in constant time.
    seen: HashSet<Vec<u8>>,
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
        match Self::parse_passphrase(spec, what)? {
            Passphrase::Alone(pass) => self.push_passphrase(pass),
            Passphrase::ForSsid(pass, ssid) => {
                let key =
                    pmk_from_passphrase(&pass, &ssid).map_err(|error| KeySpecError::Derive {
                        what: what.into(),
                        error,
                    })?;
                self.push_pmk(Pmk {
                    key,
                    ssid: Some(ssid),
                    source: "passphrase",
                });
            }
        }
        Ok(())
    }

    /// A passphrase spec, checked as a PMK derivation would check it (a passphrase no SSID
    /// can use is an error now, not when a capture names its SSIDs) but not derived.
    fn parse_passphrase(spec: &str, what: &str) -> Result<Passphrase, KeySpecError> {
        let derive = |error| KeySpecError::Derive {
            what: what.into(),
            error,
        };
        let Some((pass, ssid)) = spec.split_once(':') else {
            let pass = unescape(spec, what)?;
            check_passphrase(&pass, b"").map_err(derive)?;
            return Ok(Passphrase::Alone(pass));
        };
        let (pass, ssid) = (unescape(pass, what)?, unescape(ssid, what)?);
        check_passphrase(&pass, &ssid).map_err(derive)?;
        Ok(Passphrase::ForSsid(pass, ssid))
    }

    fn push_passphrase(&mut self, pass: Vec<u8>) {
        // Tagged so that a passphrase and a hex key of the same octets stay apart.
        let mut tagged = pass.clone();
        tagged.push(b'p');
        if self.seen.insert(tagged) {
            self.passphrases.push(pass);
        }
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
        let mut tagged = tk.clone();
        tagged.push(b't');
        if self.seen.insert(tagged) {
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
        let mut tagged = key.clone();
        tagged.push(b'w');
        if self.seen.insert(tagged) {
            self.wep.push(key);
        }
        Ok(())
    }

    fn push_pmk(&mut self, p: Pmk) {
        let mut tagged = p.key.to_vec();
        tagged.push(b'k');
        if self.seen.insert(tagged) {
            self.pmks.push(p);
        }
    }

    /// Whether `key` is one of the PMKs given (or derived from a passphrase with its SSID).
    pub(crate) fn has_pmk(&self, key: &[u8; 32]) -> bool {
        let mut tagged = key.to_vec();
        tagged.push(b'k');
        self.seen.contains(&tagged)
    }

    /// Reads a file in Wireshark's `80211_keys` format: one `"type","key"` record per line
    /// (`wpa-pwd` passphrase:SSID or a passphrase alone, `wpa-psk` 64 hex digits, `tk` 32 or
    /// 64 hex digits, `wep` 10 or 26 hex digits); `#` starts a comment. A line roamgap cannot
    /// use (another type such as `msk`, a malformed key) is skipped: the returned warnings name
    /// the file and line, never the key.
    pub fn add_wireshark_file(&mut self, name: &str, text: &str) -> Vec<KeySpecError> {
        let mut warnings = Vec::new();
        let mut skipped = 0usize;
        let mut warn = |w: KeySpecError| {
            if warnings.len() < MAX_KEY_FILE_WARNINGS {
                warnings.push(w);
            } else {
                skipped += 1;
            }
        };
        // PMKs in the file's order: passphrases with their SSID are derived together at the
        // end (4096 rounds each, on every core), each (passphrase, SSID) once.
        let mut pending: Vec<PmkSpec> = Vec::new();
        let mut pending_seen: HashSet<(Vec<u8>, Vec<u8>)> = HashSet::new();
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
                warn(err("expected \"type\",\"key\"".into()));
                continue;
            };
            let r = match kind.as_str() {
                "wpa-pwd" => match Self::parse_passphrase(value, "wpa-pwd") {
                    Ok(Passphrase::Alone(pass)) => {
                        self.push_passphrase(pass);
                        Ok(())
                    }
                    Ok(Passphrase::ForSsid(pass, ssid)) => {
                        if pending_seen.insert((pass.clone(), ssid.clone())) {
                            pending.push(PmkSpec::Derive(pass, ssid));
                        }
                        Ok(())
                    }
                    Err(e) => Err(e),
                },
                "wpa-psk" => hex_key::<32>(value, "wpa-psk").map(|key| {
                    pending.push(PmkSpec::Ready(Pmk {
                        key,
                        ssid: None,
                        source: "pmk",
                    }))
                }),
                "tk" => self.tk_as(value, "tk"),
                "wep" => self.wep_as(value, "wep"),
                known if WIRESHARK_KEY_TYPES.contains(&known) => {
                    warn(err(format!(
                        "key type `{known}` is not supported (wpa-pwd, wpa-psk, tk and wep are); line skipped"
                    )));
                    continue;
                }
                _ => {
                    // Not a type of the format: perhaps a key in the wrong column (fields
                    // swapped), so it is not shown.
                    warn(err(
                        "the first field is not a key type (wpa-pwd, wpa-psk, tk or wep; not shown, as it may be a key: are the fields swapped?); line skipped"
                            .into(),
                    ));
                    continue;
                }
            };
            // The message names the key's kind, never its value.
            if let Err(e) = r {
                warn(err(format!("{e}; line skipped")));
            }
        }
        let pmks: Vec<Pmk> = pending
            .into_par_iter()
            .filter_map(|p| match p {
                PmkSpec::Ready(pmk) => Some(pmk),
                PmkSpec::Derive(pass, ssid) => Some(Pmk {
                    key: pmk_from_passphrase(&pass, &ssid).ok()?,
                    ssid: Some(ssid),
                    source: "passphrase",
                }),
            })
            .collect();
        pmks.into_iter().for_each(|p| self.push_pmk(p));
        if skipped > 0 {
            warnings.push(KeySpecError::FileMore {
                file: name.into(),
                skipped,
            });
        }
        warnings
    }

    pub fn is_empty(&self) -> bool {
        self.pmks.is_empty()
            && self.tks.is_empty()
            && self.wep.is_empty()
            && self.passphrases.is_empty()
    }

    /// What the ring holds, for outputs: kinds and fingerprints only, the first
    /// [`MAX_DESCRIBED_KEYS`] of them and then how many more of each kind.
    pub(crate) fn describe(&self) -> Vec<String> {
        let mut all = self.describe_all();
        if all.len() > MAX_DESCRIBED_KEYS {
            let more = all.len() - MAX_DESCRIBED_KEYS;
            all.truncate(MAX_DESCRIBED_KEYS);
            all.push(format!(
                "and {more} more keys ({} PMKs, {} passphrases, {} TKs, {} WEP keys given in all)",
                self.pmks.len(),
                self.passphrases.len(),
                self.tks.len(),
                self.wep.len()
            ));
        }
        all
    }

    fn describe_all(&self) -> Vec<String> {
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

/// A passphrase as given: alone (tried with the capture's SSIDs) or with its SSID.
enum Passphrase {
    Alone(Vec<u8>),
    ForSsid(Vec<u8>, Vec<u8>),
}

/// A PMK of a key file, or the passphrase and SSID to derive it from.
enum PmkSpec {
    Ready(Pmk),
    Derive(Vec<u8>, Vec<u8>),
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

    #[test]
    fn a_key_in_the_wrong_column_is_never_shown() {
        let mut k = KeyRing::default();
        let w = k.add_wireshark_file(
            "keys",
            "\"secret123:voice\",\"wpa-pwd\"\n\"c97c1f67ce371185514a8a19f2bdd52f\",\"tk\"\n",
        );
        let w: Vec<String> = w.iter().map(|e| e.to_string()).collect();
        assert_eq!(w.len(), 2);
        for (n, m) in w.iter().enumerate() {
            assert!(
                m.starts_with(&format!(
                    "keys, line {}: the first field is not a key type",
                    n + 1
                )),
                "{m}"
            );
            assert!(
                m.contains("are the fields swapped?") && m.ends_with("line skipped"),
                "{m}"
            );
            assert!(
                !m.contains("secret") && !m.contains("c97c") && !m.contains("voice"),
                "{m}"
            );
        }
        assert!(k.is_empty());
    }

    #[test]
    fn a_long_key_file_is_read_once_per_key_and_says_how_many_lines_it_skipped() {
        let mut k = KeyRing::default();
        let mut text = String::new();
        for i in 0..50_000u32 {
            // Each key twice, and a bad line after every thousandth.
            let pmk = format!("{:064x}", u128::from(i) * 0x9e37_79b9_7f4a_7c15);
            text.push_str(&format!("\"wpa-psk\",\"{pmk}\"\n\"wpa-psk\",\"{pmk}\"\n"));
            if i % 1000 == 0 {
                text.push_str("\"tk\",\"00\"\n");
            }
        }
        let w = k.add_wireshark_file("many", &text);
        assert_eq!(k.pmks.len(), 50_000);
        let d = k.describe();
        assert_eq!(d.len(), MAX_DESCRIBED_KEYS + 1);
        assert_eq!(
            d.last().unwrap(),
            "and 49968 more keys (50000 PMKs, 0 passphrases, 0 TKs, 0 WEP keys given in all)"
        );
        assert!(k.has_pmk(&k.pmks[49_999].key.clone()));
        assert_eq!(w.len(), MAX_KEY_FILE_WARNINGS + 1);
        assert_eq!(
            w.last().unwrap().to_string(),
            format!(
                "many: 30 more lines skipped (only the first {MAX_KEY_FILE_WARNINGS} are named)"
            )
        );
        // A passphrase, a TK and a WEP key of the same octets are three keys.
        let mut k = KeyRing::default();
        k.add_passphrase("0123456789abcdef0123456789abcdef")
            .unwrap();
        k.add_tk("0123456789abcdef0123456789abcdef").unwrap();
        k.add_tk("0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!((k.passphrases.len(), k.tks.len()), (1, 1));
    }
}
