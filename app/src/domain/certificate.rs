//! What the console shows of an X.509 certificate (no secret material). The server parses
//! certificates (`server/src/change/tls.rs`); the pages only display these facts.

use serde::{Deserialize, Serialize};

/// Facts about one certificate, for display (no secret material).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateInfo {
    /// Subject DN, e.g. `CN=registry.apps.example.com, O=Example`.
    pub subject: String,
    pub issuer: String,
    /// RFC 3339, UTC, e.g. `2026-01-31T12:00:00Z`.
    pub not_before: String,
    pub not_after: String,
    /// SHA-256 of the DER, upper-case hex with colons (as `openssl x509 -fingerprint -sha256`).
    pub sha256_fingerprint: String,
    /// subjectAltName dNSName entries, as written in the certificate.
    pub dns_names: Vec<String>,
    /// subjectAltName iPAddress entries.
    pub ip_addresses: Vec<String>,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// Issuer DN equals subject DN and the certificate's own key verifies its signature
    /// (or the signature algorithm cannot be checked here).
    pub self_signed: bool,
    /// Serial number, upper-case hex with colons.
    pub serial: String,
}

/// A certificate as a page lists it: its facts and how long it has left (the server
/// computes the days, so the page needs no clock).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownCertificate {
    pub info: CertificateInfo,
    /// Whole days until `not_after`, negative once expired.
    pub days_left: i64,
    /// `not_before` is still ahead.
    pub not_yet_valid: bool,
}

/// A certificate that expires within this many days is flagged (SPEC §4 rule 8).
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// How urgent a certificate's expiry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    Expired,
    NotYetValid,
    Soon,
    Fine,
}

impl ShownCertificate {
    pub fn expiry(&self) -> Expiry {
        if self.days_left < 0 {
            Expiry::Expired
        } else if self.not_yet_valid {
            Expiry::NotYetValid
        } else if self.days_left < EXPIRY_WARNING_DAYS {
            Expiry::Soon
        } else {
            Expiry::Fine
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(days_left: i64, not_yet_valid: bool) -> ShownCertificate {
        ShownCertificate {
            info: CertificateInfo {
                subject: "CN=a".into(),
                issuer: "CN=a".into(),
                not_before: String::new(),
                not_after: String::new(),
                sha256_fingerprint: String::new(),
                dns_names: Vec::new(),
                ip_addresses: Vec::new(),
                is_ca: true,
                self_signed: true,
                serial: String::new(),
            },
            days_left,
            not_yet_valid,
        }
    }

    #[test]
    fn expiry_is_flagged_under_thirty_days_and_once_expired() {
        assert_eq!(shown(-1, false).expiry(), Expiry::Expired);
        assert_eq!(shown(0, false).expiry(), Expiry::Soon);
        assert_eq!(shown(29, false).expiry(), Expiry::Soon);
        assert_eq!(shown(30, false).expiry(), Expiry::Fine);
        assert_eq!(shown(400, true).expiry(), Expiry::NotYetValid);
    }
}
