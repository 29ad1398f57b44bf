//! Checks of TLS material for the registry's routes and the CA-trust page (pure: no I/O,
//! no logging). Server-side only; never compiled to WASM.
//!
//! Three callers:
//! * before `spec.routes[].secretName` is written: [`check_tls_secret`] on the named
//!   `kubernetes.io/tls` Secret's data;
//! * the exposure wizard: [`check_tls_material`] on the uploaded chain, key and optional CA;
//! * the CA-trust page: [`parse_certificates`] / [`check_ca_bundle`] on pasted CA certificates.
//!
//! Every problem is a [`Violation`] whose key is a catalogue message (`tls.*`, listed in
//! [`MESSAGE_KEYS`]) that says what is wrong and how to fix it. Parameters only ever hold
//! public facts (positions, subjects, dates, host names, PEM labels, key types and sizes):
//! private key bytes, and errors from parsers that could quote them, never reach a
//! parameter.
//!
//! Parsing: PEM framing with the `pem` crate (plus a scan of the `-----BEGIN …-----` lines
//! so that a pasted private key is recognised even when its block is broken), X.509 with
//! `x509-parser` (its `verify` feature checks signatures with `ring`), private keys with
//! `ring` after a small DER walk that reads the algorithm identifier.
//!
//! Key ↔ certificate matching: the public key is derived from the private key and compared
//! with the server certificate's SubjectPublicKeyInfo (algorithm, curve and value). RSA:
//! modulus and exponent read from RSAPrivateKey, with `ring` loading the key to prove the
//! components consistent (n = p·q, CRT values). ECDSA P-256/P-384: `ring` recomputes the
//! point from the private scalar and insists it equals the stored public key; that point
//! is compared. Ed25519: `ring` derives the public key from the seed. Details at
//! `rsa_key`, `ec_key` and `key_matches`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use app::domain::violation::{Severity, Violation};
use chrono::{DateTime, SecondsFormat, Utc};
use ring::signature::KeyPair as _;
use x509_parser::error::X509Error;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// Data key of the certificate chain in a `kubernetes.io/tls` Secret.
pub const SECRET_CERT_ITEM: &str = "tls.crt";
/// Data key of the private key in a `kubernetes.io/tls` Secret.
pub const SECRET_KEY_ITEM: &str = "tls.key";
/// Optional data key of a CA bundle in a TLS Secret: the key the image registry operator
/// copies into the route's `caCertificate` (checked like the wizard's CA upload).
pub const SECRET_CA_ITEM: &str = "tls.cacrt";

/// `field` of violations about the wizard's uploaded certificate chain.
pub const FIELD_CERTIFICATE: &str = "certificate";
/// `field` of violations about the wizard's uploaded private key.
pub const FIELD_KEY: &str = "key";
/// `field` of violations about the wizard's uploaded CA certificate(s).
pub const FIELD_CA: &str = "caCertificate";

/// A certificate that expires within this many days gets a warning (the pages flag the same).
pub use app::domain::certificate::EXPIRY_WARNING_DAYS;

pub use app::domain::certificate::{CertificateInfo, ShownCertificate};

/// Every catalogue key this module can emit (en.txt and ja.txt define each).
pub const MESSAGE_KEYS: &[&str] = &[
    "tls.cert_empty",
    "tls.cert_binary",
    "tls.cert_base64",
    "tls.cert_not_pem",
    "tls.cert_private_key",
    "tls.cert_pem_malformed",
    "tls.cert_wrong_block",
    "tls.cert_invalid",
    "tls.key_empty",
    "tls.key_binary",
    "tls.key_base64",
    "tls.key_not_pem",
    "tls.key_pem_malformed",
    "tls.key_encrypted",
    "tls.key_no_private_key",
    "tls.key_several",
    "tls.key_unsupported_format",
    "tls.key_unsupported_algorithm",
    "tls.key_invalid",
    "tls.key_rsa_too_small",
    "tls.key_ec_no_public_key",
    "tls.key_mismatch",
    "tls.secret_crt_missing",
    "tls.secret_crt_empty",
    "tls.secret_key_missing",
    "tls.secret_key_empty",
    "tls.host_no_san",
    "tls.host_not_covered",
    "tls.leaf_not_server_auth",
    "tls.leaf_is_ca",
    "tls.chain_order",
    "tls.chain_signature_invalid",
    "tls.chain_signature_unverified",
    "tls.ca_not_issuer",
    "tls.ca_signature_invalid",
    "tls.ca_signature_unverified",
    "tls.cert_not_yet_valid",
    "tls.cert_expired",
    "tls.cert_expiring",
    "tls.ca_bundle_not_ca",
    "tls.ca_bundle_not_yet_valid",
    "tls.ca_bundle_expired",
    "tls.ca_bundle_expiring",
    "tls.ca_bundle_duplicate",
];

// ---------------------------------------------------------------------------------------
// Public functions
// ---------------------------------------------------------------------------------------

/// Parses PEM text holding one or more CERTIFICATE blocks.
///
/// Refused, each with its own key: empty input (`tls.cert_empty`); a private key pasted
/// by mistake (`tls.cert_private_key`, whatever else the text holds); DER or other binary
/// (`tls.cert_binary`); base64 of PEM, i.e. encoded twice (`tls.cert_base64`); text without
/// PEM (`tls.cert_not_pem`); broken PEM framing or base64 (`tls.cert_pem_malformed`); a PEM
/// block that is not a certificate, e.g. a CSR or public key (`tls.cert_wrong_block`); a
/// block that is not X.509 (`tls.cert_invalid`).
pub fn parse_certificates(
    field: &str,
    pem_bytes: &[u8],
) -> Result<Vec<CertificateInfo>, Violation> {
    Ok(read_certificates(field, pem_bytes)?
        .into_iter()
        .map(|c| c.info)
        .collect())
}

/// Checks a TLS Secret's data (key → raw bytes, as in `Secret.data` after base64 decoding)
/// for a route with `hostname` (`None` if the router picks the host), at time `now`.
///
/// All violations carry `field` and a `secret` parameter. `tls.crt` / `tls.key` missing
/// or empty each have their own key; otherwise the checks are those of
/// [`check_tls_material`], with `tls.cacrt` (if present and not empty) as the CA.
pub fn check_tls_secret(
    field: &str,
    secret_name: &str,
    data: &BTreeMap<String, Vec<u8>>,
    hostname: Option<&str>,
    now: DateTime<Utc>,
) -> Vec<Violation> {
    let mut out = Vec::new();
    let cert = match data.get(SECRET_CERT_ITEM) {
        None => {
            out.push(Violation::error(field, "tls.secret_crt_missing"));
            None
        }
        Some(bytes) if is_blank(bytes) => {
            out.push(Violation::error(field, "tls.secret_crt_empty"));
            None
        }
        Some(bytes) => Some(bytes.as_slice()),
    };
    let key = match data.get(SECRET_KEY_ITEM) {
        None => {
            out.push(Violation::error(field, "tls.secret_key_missing"));
            None
        }
        Some(bytes) if is_blank(bytes) => {
            out.push(Violation::error(field, "tls.secret_key_empty"));
            None
        }
        Some(bytes) => Some(bytes.as_slice()),
    };
    let ca = data
        .get(SECRET_CA_ITEM)
        .map(Vec::as_slice)
        .filter(|b| !is_blank(b));
    let fields = Fields {
        cert: field,
        key: field,
        ca: field,
    };
    check_material(&fields, cert, key, ca, hostname, now, &mut out);
    for v in &mut out {
        if !v.params.iter().any(|(name, _)| name == "secret") {
            v.params
                .insert(0, ("secret".to_string(), secret_name.to_string()));
        }
    }
    out
}

/// The same checks on uploaded material before a Secret exists: certificate chain PEM
/// (server certificate first), key PEM, optional CA PEM. Violations name
/// [`FIELD_CERTIFICATE`], [`FIELD_KEY`] or [`FIELD_CA`].
///
/// Checks: the chain parses (see [`parse_certificates`]); the key parses (PKCS#8, PKCS#1,
/// SEC1; RSA ≥ 2048 bits, ECDSA P-256/P-384, Ed25519; encrypted keys are refused); the key
/// belongs to the server certificate; the server certificate covers `hostname` the way
/// browsers decide it; each certificate is followed by its issuer; the CA (if given) issued
/// the last certificate of the chain; every certificate is valid at `now` and not about to
/// expire.
pub fn check_tls_material(
    cert_pem: &[u8],
    key_pem: &[u8],
    ca_pem: Option<&[u8]>,
    hostname: Option<&str>,
    now: DateTime<Utc>,
) -> Vec<Violation> {
    let mut out = Vec::new();
    let fields = Fields {
        cert: FIELD_CERTIFICATE,
        key: FIELD_KEY,
        ca: FIELD_CA,
    };
    let ca = ca_pem.filter(|b| !is_blank(b));
    check_material(
        &fields,
        Some(cert_pem),
        Some(key_pem),
        ca,
        hostname,
        now,
        &mut out,
    );
    out
}

/// Parses a CA-trust bundle (one or more CA certificates for one registry host) and warns
/// about certificates that are not CAs (basicConstraints cA false or absent), not yet
/// valid, expired or expiring within [`EXPIRY_WARNING_DAYS`], and about duplicates. A
/// bundle that does not parse gives no certificates and one error.
pub fn check_ca_bundle(
    field: &str,
    pem_bytes: &[u8],
    now: DateTime<Utc>,
) -> (Vec<CertificateInfo>, Vec<Violation>) {
    match read_certificates(field, pem_bytes) {
        Err(v) => (Vec::new(), vec![v]),
        Ok(certs) => {
            let mut out = Vec::new();
            bundle_warnings(field, &certs, now, &mut out);
            (certs.into_iter().map(|c| c.info).collect(), out)
        }
    }
}

/// A certificate as a page lists it at `now`: its facts and the days it has left (an
/// unreadable date counts as expired: the page then flags it rather than trusting it).
pub fn shown(info: CertificateInfo, now: DateTime<Utc>) -> ShownCertificate {
    let at = |rfc3339: &str| {
        DateTime::parse_from_rfc3339(rfc3339)
            .map(|t| t.with_timezone(&Utc))
            .ok()
    };
    let days_left = at(&info.not_after).map_or(-1, |end| (end - now).num_days());
    let not_yet_valid = at(&info.not_before).is_some_and(|start| start > now);
    ShownCertificate {
        info,
        days_left,
        not_yet_valid,
    }
}

// ---------------------------------------------------------------------------------------
// Orchestration
// ---------------------------------------------------------------------------------------

struct Fields<'a> {
    cert: &'a str,
    key: &'a str,
    ca: &'a str,
}

fn check_material(
    fields: &Fields<'_>,
    cert_pem: Option<&[u8]>,
    key_pem: Option<&[u8]>,
    ca_pem: Option<&[u8]>,
    hostname: Option<&str>,
    now: DateTime<Utc>,
    out: &mut Vec<Violation>,
) {
    let chain = cert_pem.and_then(|pem| match read_certificates(fields.cert, pem) {
        Ok(chain) => Some(chain),
        Err(v) => {
            out.push(v);
            None
        }
    });
    let key = key_pem.and_then(|pem| match read_private_key(fields.key, pem) {
        Ok(key) => Some(key),
        Err(v) => {
            out.push(v);
            None
        }
    });
    let ca = ca_pem.and_then(|pem| match read_certificates(fields.ca, pem) {
        Ok(ca) => Some(ca),
        Err(v) => {
            out.push(v);
            None
        }
    });

    if let Some(chain) = &chain
        && let Some(leaf) = chain.first()
    {
        if let Some(key) = &key
            && let Some(v) = key_matches(fields.key, key, leaf)
        {
            out.push(v);
        }
        if let Some(host) = hostname.map(str::trim).filter(|h| !h.is_empty())
            && let Some(v) = host_coverage(fields.cert, leaf, host)
        {
            out.push(v);
        }
        if !leaf.server_auth {
            out.push(Violation::error(fields.cert, "tls.leaf_not_server_auth"));
        }
        if leaf.info.is_ca {
            out.push(
                Violation::warning(fields.cert, "tls.leaf_is_ca")
                    .with("subject", &leaf.info.subject),
            );
        }
        chain_order(fields.cert, chain, out);
        for (index, cert) in chain.iter().enumerate() {
            validity(fields.cert, index + 1, cert, now, Validity::Chain, out);
        }
        if let Some(ca) = &ca {
            ca_issues_chain(fields.ca, chain, ca, out);
        }
    }
    if let Some(ca) = &ca {
        bundle_warnings(fields.ca, ca, now, out);
    }
}

fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

// ---------------------------------------------------------------------------------------
// PEM reading
// ---------------------------------------------------------------------------------------

/// What is wrong with a value that should be PEM, before looking at its blocks.
enum Shape {
    Empty,
    Binary,
    Base64OfPem,
    NoPem,
    Pem,
}

fn shape(input: &[u8]) -> Shape {
    let input = strip_bom(input);
    if is_blank(input) {
        return Shape::Empty;
    }
    if contains(input, b"-----BEGIN ") {
        return Shape::Pem;
    }
    // DER starts with a SEQUENCE (0x30); anything with NULs or that is not UTF-8 is binary
    // too (PKCS#12, a zip, ...).
    let text = match std::str::from_utf8(input) {
        Ok(text) if input.first() != Some(&0x30) && !input.contains(&0) => text,
        _ => return Shape::Binary,
    };
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    use base64::Engine as _;
    if let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(compact.as_bytes())
        && contains(&decoded, b"-----BEGIN ")
    {
        return Shape::Base64OfPem;
    }
    Shape::NoPem
}

fn strip_bom(input: &[u8]) -> &[u8] {
    input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The labels of all `-----BEGIN LABEL-----` lines, whether or not their blocks are intact.
fn begin_labels(input: &[u8]) -> Vec<String> {
    let mut labels = Vec::new();
    let marker = b"-----BEGIN ";
    let mut rest = input;
    while let Some(at) = rest.windows(marker.len()).position(|w| w == marker) {
        rest = &rest[at + marker.len()..];
        let line_end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let line = &rest[..line_end];
        let label_end = line
            .windows(5)
            .position(|w| w == b"-----")
            .unwrap_or(line.len());
        labels.push(clean_label(&line[..label_end]));
    }
    labels
}

/// A PEM label safe to show: printable ASCII, at most 40 characters.
fn clean_label(raw: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(raw)
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(40)
        .collect();
    text.trim().to_string()
}

/// `Proc-Type: 4,ENCRYPTED` (legacy OpenSSL encryption of PKCS#1 / SEC1 keys).
fn has_encrypted_proc_type(input: &[u8]) -> bool {
    String::from_utf8_lossy(input).lines().any(|line| {
        let line = line.trim();
        line.len() >= 10
            && line[..10].eq_ignore_ascii_case("proc-type:")
            && line[10..].to_ascii_uppercase().contains("ENCRYPTED")
    })
}

/// Parses all blocks; `None` if the framing or base64 is broken anywhere (including a
/// BEGIN without END, which the `pem` crate would silently skip).
fn pem_blocks(input: &[u8], expected: usize) -> Option<Vec<pem::Pem>> {
    let blocks = pem::parse_many(strip_bom(input)).ok()?;
    (blocks.len() == expected).then_some(blocks)
}

// ---------------------------------------------------------------------------------------
// Certificates
// ---------------------------------------------------------------------------------------

/// A parsed certificate: display facts plus what the checks need.
struct Cert {
    info: CertificateInfo,
    der: Vec<u8>,
    subject_raw: Vec<u8>,
    issuer_raw: Vec<u8>,
    not_before: i64,
    not_after: i64,
    common_name: Option<String>,
    /// False only when an extendedKeyUsage extension exists without serverAuth or any.
    server_auth: bool,
    san_ips: Vec<IpAddr>,
    spki: PublicKeyFacts,
}

fn read_certificates(field: &str, input: &[u8]) -> Result<Vec<Cert>, Violation> {
    match shape(input) {
        Shape::Empty => return Err(Violation::error(field, "tls.cert_empty")),
        Shape::Binary => return Err(Violation::error(field, "tls.cert_binary")),
        Shape::Base64OfPem => return Err(Violation::error(field, "tls.cert_base64")),
        Shape::NoPem => return Err(Violation::error(field, "tls.cert_not_pem")),
        Shape::Pem => {}
    }
    let labels = begin_labels(input);
    // Checked first, so that a key is recognised even when its block is damaged.
    if labels.iter().any(|l| l.contains("PRIVATE KEY")) || has_encrypted_proc_type(input) {
        return Err(Violation::error(field, "tls.cert_private_key"));
    }
    let blocks = pem_blocks(input, labels.len())
        .ok_or_else(|| Violation::error(field, "tls.cert_pem_malformed"))?;
    let mut certs = Vec::with_capacity(blocks.len());
    for (index, block) in blocks.iter().enumerate() {
        let position = index + 1;
        if block.tag() != "CERTIFICATE" {
            return Err(Violation::error(field, "tls.cert_wrong_block")
                .with("position", position)
                .with("label", clean_label(block.tag().as_bytes())));
        }
        let cert = cert_facts(block.contents()).ok_or_else(|| {
            Violation::error(field, "tls.cert_invalid").with("position", position)
        })?;
        certs.push(cert);
    }
    if certs.is_empty() {
        return Err(Violation::error(field, "tls.cert_not_pem"));
    }
    Ok(certs)
}

fn cert_facts(der: &[u8]) -> Option<Cert> {
    let (rest, x509) = X509Certificate::from_der(der).ok()?;
    if !rest.is_empty() {
        return None;
    }
    let mut dns_names = Vec::new();
    let mut san_ips = Vec::new();
    if let Ok(Some(san)) = x509.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(dns) => dns_names.push(dns.to_string()),
                GeneralName::IPAddress(bytes) => {
                    if let Some(ip) = ip_from_bytes(bytes) {
                        san_ips.push(ip);
                    }
                }
                _ => {}
            }
        }
    }
    let is_ca = matches!(x509.basic_constraints(), Ok(Some(bc)) if bc.value.ca);
    let server_auth = match x509.extended_key_usage() {
        Ok(Some(eku)) => eku.value.any || eku.value.server_auth,
        _ => true,
    };
    let subject_raw = x509.subject().as_raw().to_vec();
    let issuer_raw = x509.issuer().as_raw().to_vec();
    let self_signed = subject_raw == issuer_raw
        && !matches!(
            x509.verify_signature(None),
            Err(X509Error::SignatureVerificationError)
        );
    let not_before = x509.validity().not_before.timestamp();
    let not_after = x509.validity().not_after.timestamp();
    let common_name = x509
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string);
    let spki = PublicKeyFacts::from_spki(
        x509.public_key().algorithm.algorithm.as_bytes(),
        x509.public_key()
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .map(|oid| oid.as_bytes().to_vec()),
        &x509.public_key().subject_public_key.data,
    );
    let info = CertificateInfo {
        subject: x509.subject().to_string(),
        issuer: x509.issuer().to_string(),
        not_before: rfc3339(not_before),
        not_after: rfc3339(not_after),
        sha256_fingerprint: colon_hex(ring::digest::digest(&ring::digest::SHA256, der).as_ref()),
        dns_names,
        ip_addresses: san_ips.iter().map(IpAddr::to_string).collect(),
        is_ca,
        self_signed,
        serial: serial_hex(x509.raw_serial()),
    };
    Some(Cert {
        info,
        der: der.to_vec(),
        subject_raw,
        issuer_raw,
        not_before,
        not_after,
        common_name,
        server_auth,
        san_ips,
        spki,
    })
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(bytes).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        _ => None,
    }
}

fn rfc3339(timestamp: i64) -> String {
    DateTime::<Utc>::from_timestamp(timestamp, 0)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| timestamp.to_string())
}

fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn serial_hex(raw: &[u8]) -> String {
    // Drop the DER sign byte(s), as OpenSSL prints it; keep one byte for a zero serial.
    let start = raw
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(raw.len().saturating_sub(1));
    colon_hex(&raw[start..])
}

/// Re-parses a certificate that [`cert_facts`] already accepted (X509Certificate borrows
/// its DER, so `Cert` keeps the bytes rather than the parsed form).
fn reparse(cert: &Cert) -> Option<X509Certificate<'_>> {
    X509Certificate::from_der(&cert.der).ok().map(|(_, c)| c)
}

enum Signature {
    Valid,
    Invalid,
    /// Algorithm (or key) that `ring` cannot check, e.g. RSA below 2048 bits, P-521.
    Unverifiable,
}

fn signed_by(child: &Cert, issuer: &Cert) -> Signature {
    // ring verifies RSA signatures only for keys of 2048 bits or more; a smaller issuer key
    // would otherwise look like a wrong signature.
    if matches!(&issuer.spki, PublicKeyFacts::Rsa { modulus, .. } if bit_length(modulus) < 2048) {
        return Signature::Unverifiable;
    }
    let (Some(child), Some(issuer)) = (reparse(child), reparse(issuer)) else {
        return Signature::Unverifiable;
    };
    match child.verify_signature(Some(issuer.public_key())) {
        Ok(()) => Signature::Valid,
        Err(X509Error::SignatureVerificationError) => Signature::Invalid,
        Err(_) => Signature::Unverifiable,
    }
}

// ---------------------------------------------------------------------------------------
// Chain, CA, validity
// ---------------------------------------------------------------------------------------

fn chain_order(field: &str, chain: &[Cert], out: &mut Vec<Violation>) {
    for (index, pair) in chain.windows(2).enumerate() {
        let (child, parent) = (&pair[0], &pair[1]);
        let previous = index + 1;
        let position = index + 2;
        // DN comparison on the DER bytes, as most verifiers do first.
        if child.issuer_raw != parent.subject_raw {
            out.push(
                Violation::error(field, "tls.chain_order")
                    .with("position", position)
                    .with("previous", previous)
                    .with("subject", &parent.info.subject)
                    .with("issuer", &child.info.issuer),
            );
            continue;
        }
        match signed_by(child, parent) {
            Signature::Valid => {}
            Signature::Invalid => out.push(
                Violation::error(field, "tls.chain_signature_invalid")
                    .with("position", position)
                    .with("previous", previous),
            ),
            Signature::Unverifiable => out.push(
                Violation::warning(field, "tls.chain_signature_unverified")
                    .with("position", position)
                    .with("previous", previous),
            ),
        }
    }
}

fn ca_issues_chain(field: &str, chain: &[Cert], ca: &[Cert], out: &mut Vec<Violation>) {
    let Some(last) = chain.last() else { return };
    if ca.iter().any(|c| c.der == last.der) {
        return;
    }
    let candidates: Vec<&Cert> = ca
        .iter()
        .filter(|c| c.subject_raw == last.issuer_raw)
        .collect();
    if candidates.is_empty() {
        out.push(Violation::error(field, "tls.ca_not_issuer").with("issuer", &last.info.issuer));
        return;
    }
    let mut unverifiable = false;
    for candidate in candidates {
        match signed_by(last, candidate) {
            Signature::Valid => return,
            Signature::Unverifiable => unverifiable = true,
            Signature::Invalid => {}
        }
    }
    out.push(if unverifiable {
        Violation::warning(field, "tls.ca_signature_unverified").with("issuer", &last.info.issuer)
    } else {
        Violation::error(field, "tls.ca_signature_invalid").with("issuer", &last.info.issuer)
    });
}

#[derive(Clone, Copy)]
enum Validity {
    /// Server certificate and chain: errors, expiry soon a warning.
    Chain,
    /// Trusted CA bundle: warnings only.
    Bundle,
}

fn validity(
    field: &str,
    position: usize,
    cert: &Cert,
    now: DateTime<Utc>,
    kind: Validity,
    out: &mut Vec<Violation>,
) {
    let now = now.timestamp();
    let (not_yet, expired, expiring) = match kind {
        Validity::Chain => (
            "tls.cert_not_yet_valid",
            "tls.cert_expired",
            "tls.cert_expiring",
        ),
        Validity::Bundle => (
            "tls.ca_bundle_not_yet_valid",
            "tls.ca_bundle_expired",
            "tls.ca_bundle_expiring",
        ),
    };
    let make = |key: &str, severity: Severity| Violation {
        severity,
        ..Violation::error(field, key)
            .with("position", position)
            .with("subject", &cert.info.subject)
    };
    let hard = match kind {
        Validity::Chain => Severity::Error,
        Validity::Bundle => Severity::Warning,
    };
    if now < cert.not_before {
        out.push(make(not_yet, hard).with("date", &cert.info.not_before));
    } else if now > cert.not_after {
        out.push(make(expired, hard).with("date", &cert.info.not_after));
    } else {
        let left = cert.not_after - now;
        if left < EXPIRY_WARNING_DAYS * 86_400 {
            out.push(
                make(expiring, Severity::Warning)
                    .with("date", &cert.info.not_after)
                    // Rounded up: "expires in 1 day" rather than "in 0 days".
                    .with("days", (left + 86_399) / 86_400),
            );
        }
    }
}

fn bundle_warnings(field: &str, certs: &[Cert], now: DateTime<Utc>, out: &mut Vec<Violation>) {
    for (index, cert) in certs.iter().enumerate() {
        let position = index + 1;
        if let Some(first) = certs[..index].iter().position(|c| c.der == cert.der) {
            out.push(
                Violation::warning(field, "tls.ca_bundle_duplicate")
                    .with("position", position)
                    .with("first", first + 1),
            );
            continue;
        }
        if !cert.info.is_ca {
            out.push(
                Violation::warning(field, "tls.ca_bundle_not_ca")
                    .with("position", position)
                    .with("subject", &cert.info.subject),
            );
        }
        validity(field, position, cert, now, Validity::Bundle, out);
    }
}

// ---------------------------------------------------------------------------------------
// Host name coverage (as browsers decide it)
// ---------------------------------------------------------------------------------------

fn host_coverage(field: &str, leaf: &Cert, host: &str) -> Option<Violation> {
    let host_norm = normalize_dns(host);
    if let Ok(ip) = host_norm.parse::<IpAddr>() {
        // An IP host is matched against iPAddress entries only.
        if leaf.san_ips.contains(&ip) {
            return None;
        }
    } else if leaf
        .info
        .dns_names
        .iter()
        .any(|name| dns_name_covers(name, &host_norm))
    {
        return None;
    }
    if leaf.info.dns_names.is_empty() && leaf.san_ips.is_empty() {
        return Some(
            Violation::error(field, "tls.host_no_san")
                .with("host", host)
                .with("cn", leaf.common_name.as_deref().unwrap_or("-")),
        );
    }
    let mut names: Vec<String> = leaf
        .info
        .dns_names
        .iter()
        .cloned()
        .chain(leaf.san_ips.iter().map(IpAddr::to_string))
        .collect();
    const MAX_LISTED: usize = 10;
    if names.len() > MAX_LISTED {
        let more = names.len() - MAX_LISTED;
        names.truncate(MAX_LISTED);
        names.push(format!("(+{more})"));
    }
    Some(
        Violation::error(field, "tls.host_not_covered")
            .with("host", host)
            .with("names", names.join(", ")),
    )
}

fn normalize_dns(name: &str) -> String {
    let name = name.trim();
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// RFC 6125 §6.4 as browsers implement it: exact match, case-insensitive; or a wildcard
/// that is the whole leftmost label, matching exactly one non-empty label, with at least
/// two labels after it. Partial wildcards (`f*.example.com`) and wildcards elsewhere match
/// nothing. Only subjectAltName dNSName entries are passed here; the CN is never used.
fn dns_name_covers(san: &str, host: &str) -> bool {
    let pattern = normalize_dns(san);
    if pattern.is_empty() || host.is_empty() {
        return false;
    }
    if !pattern.contains('*') {
        return pattern == host;
    }
    let Some(suffix) = pattern.strip_prefix("*.") else {
        return false;
    };
    if suffix.contains('*') || !suffix.contains('.') || suffix.split('.').any(str::is_empty) {
        return false;
    }
    match host.split_once('.') {
        Some((first, rest)) => !first.is_empty() && rest == suffix,
        None => false,
    }
}

// ---------------------------------------------------------------------------------------
// Private keys
// ---------------------------------------------------------------------------------------

/// Key bytes we own; overwritten when dropped (best effort: copies made inside the `pem`
/// crate and the caller's input are outside our reach).
struct SecretBytes(Vec<u8>);

impl Drop for SecretBytes {
    fn drop(&mut self) {
        self.0.fill(0);
        std::hint::black_box(&self.0);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Curve {
    P256,
    P384,
}

impl Curve {
    fn from_oid(oid: &[u8]) -> Option<Curve> {
        match oid {
            OID_P256 => Some(Curve::P256),
            OID_P384 => Some(Curve::P384),
            _ => None,
        }
    }

    fn oid(self) -> &'static [u8] {
        match self {
            Curve::P256 => OID_P256,
            Curve::P384 => OID_P384,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
        }
    }
}

/// Public key material (never secret): derived from a private key, or read from a
/// certificate's SubjectPublicKeyInfo.
#[derive(Clone, Debug, PartialEq, Eq)]
enum PublicKeyFacts {
    /// Modulus and exponent without leading zero bytes.
    Rsa {
        modulus: Vec<u8>,
        exponent: Vec<u8>,
    },
    /// Uncompressed point (0x04 ‖ X ‖ Y).
    Ec {
        curve: Curve,
        point: Vec<u8>,
    },
    Ed25519 {
        key: Vec<u8>,
    },
    /// An algorithm this module does not compare (description for messages).
    Other(String),
}

impl PublicKeyFacts {
    fn from_spki(alg: &[u8], curve: Option<Vec<u8>>, key: &[u8]) -> PublicKeyFacts {
        match alg {
            OID_RSA_ENCRYPTION => match rsa_public_key(key) {
                Some((modulus, exponent)) => PublicKeyFacts::Rsa { modulus, exponent },
                None => PublicKeyFacts::Other("RSA (unreadable)".to_string()),
            },
            OID_EC_PUBLIC_KEY => match curve.as_deref().and_then(Curve::from_oid) {
                Some(curve) => PublicKeyFacts::Ec {
                    curve,
                    point: key.to_vec(),
                },
                None => PublicKeyFacts::Other(format!(
                    "ECDSA {}",
                    curve
                        .as_deref()
                        .map(curve_name)
                        .unwrap_or("(unknown curve)")
                )),
            },
            OID_ED25519 => PublicKeyFacts::Ed25519 { key: key.to_vec() },
            other => PublicKeyFacts::Other(algorithm_name(other).to_string()),
        }
    }

    /// E.g. `RSA 2048`, `ECDSA P-256`, `Ed25519`.
    fn describe(&self) -> String {
        match self {
            PublicKeyFacts::Rsa { modulus, .. } => format!("RSA {}", bit_length(modulus)),
            PublicKeyFacts::Ec { curve, .. } => format!("ECDSA {}", curve.name()),
            PublicKeyFacts::Ed25519 { .. } => "Ed25519".to_string(),
            PublicKeyFacts::Other(name) => name.clone(),
        }
    }
}

const OID_RSA_ENCRYPTION: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
const OID_RSASSA_PSS: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const OID_DSA: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x38, 0x04, 0x01];
const OID_P256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x23];
const OID_X25519: &[u8] = &[0x2B, 0x65, 0x6E];
const OID_X448: &[u8] = &[0x2B, 0x65, 0x6F];
const OID_ED25519: &[u8] = &[0x2B, 0x65, 0x70];
const OID_ED448: &[u8] = &[0x2B, 0x65, 0x71];

fn algorithm_name(oid: &[u8]) -> &'static str {
    match oid {
        OID_RSA_ENCRYPTION => "RSA",
        OID_RSASSA_PSS => "RSA-PSS",
        OID_EC_PUBLIC_KEY => "ECDSA",
        OID_DSA => "DSA",
        OID_X25519 => "X25519",
        OID_X448 => "X448",
        OID_ED25519 => "Ed25519",
        OID_ED448 => "Ed448",
        _ => "unknown algorithm",
    }
}

fn curve_name(oid: &[u8]) -> &'static str {
    match oid {
        OID_P256 => "P-256",
        OID_P384 => "P-384",
        OID_P521 => "P-521",
        _ => "(unknown curve)",
    }
}

fn bit_length(unsigned_be: &[u8]) -> usize {
    let bytes = der::unsigned(unsigned_be);
    match bytes.first() {
        None => 0,
        Some(&first) => bytes.len() * 8 - first.leading_zeros() as usize,
    }
}

/// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
fn rsa_public_key(der_bytes: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (seq, _) = der::expect(der_bytes, der::SEQUENCE)?;
    let (n, rest) = der::expect(seq, der::INTEGER)?;
    let (e, _) = der::expect(rest, der::INTEGER)?;
    Some((der::unsigned(n).to_vec(), der::unsigned(e).to_vec()))
}

/// The public half of RSAPrivateKey ::= SEQUENCE { version, modulus, publicExponent, … }.
fn rsa_public_from_private(pkcs1: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (seq, _) = der::expect(pkcs1, der::SEQUENCE)?;
    let (_version, rest) = der::expect(seq, der::INTEGER)?;
    let (n, rest) = der::expect(rest, der::INTEGER)?;
    let (e, _) = der::expect(rest, der::INTEGER)?;
    Some((der::unsigned(n).to_vec(), der::unsigned(e).to_vec()))
}

#[derive(Clone, Copy)]
enum KeyFormat {
    Pkcs8,
    Pkcs1,
    Sec1,
}

impl KeyFormat {
    fn name(self) -> &'static str {
        match self {
            KeyFormat::Pkcs8 => "PKCS#8",
            KeyFormat::Pkcs1 => "PKCS#1",
            KeyFormat::Sec1 => "SEC1",
        }
    }
}

/// Reads the one private key of a PEM value and derives its public half.
///
/// Like Go's `tls.X509KeyPair` (and so `kubectl create secret tls`), blocks that are not
/// private keys (a certificate, `EC PARAMETERS` from `openssl ecparam -genkey`) are
/// skipped; more than one private key is refused as ambiguous.
fn read_private_key(field: &str, input: &[u8]) -> Result<PublicKeyFacts, Violation> {
    match shape(input) {
        Shape::Empty => return Err(Violation::error(field, "tls.key_empty")),
        Shape::Binary => return Err(Violation::error(field, "tls.key_binary")),
        Shape::Base64OfPem => return Err(Violation::error(field, "tls.key_base64")),
        Shape::NoPem => return Err(Violation::error(field, "tls.key_not_pem")),
        Shape::Pem => {}
    }
    let labels = begin_labels(input);
    if labels.iter().any(|l| l == "ENCRYPTED PRIVATE KEY") || has_encrypted_proc_type(input) {
        return Err(Violation::error(field, "tls.key_encrypted"));
    }
    let blocks = pem_blocks(input, labels.len())
        .ok_or_else(|| Violation::error(field, "tls.key_pem_malformed"))?;
    let mut keys: Vec<(String, SecretBytes)> = Vec::new();
    let mut others: Vec<String> = Vec::new();
    for block in blocks {
        let label = clean_label(block.tag().as_bytes());
        if label.ends_with("PRIVATE KEY") {
            keys.push((label, SecretBytes(block.into_contents())));
        } else {
            others.push(label);
        }
    }
    if keys.len() > 1 {
        return Err(Violation::error(field, "tls.key_several").with("count", keys.len()));
    }
    let Some((label, der_bytes)) = keys.pop() else {
        others.dedup();
        return Err(
            Violation::error(field, "tls.key_no_private_key").with("labels", others.join(", "))
        );
    };
    let format = match label.as_str() {
        "PRIVATE KEY" => KeyFormat::Pkcs8,
        "RSA PRIVATE KEY" => KeyFormat::Pkcs1,
        "EC PRIVATE KEY" => KeyFormat::Sec1,
        "DSA PRIVATE KEY" => {
            return Err(
                Violation::error(field, "tls.key_unsupported_algorithm").with("algorithm", "DSA")
            );
        }
        _ => return Err(Violation::error(field, "tls.key_unsupported_format").with("label", label)),
    };
    let invalid = || Violation::error(field, "tls.key_invalid").with("format", format.name());
    match format {
        KeyFormat::Pkcs8 => {
            let info = pkcs8_info(&der_bytes.0).ok_or_else(invalid)?;
            match info.algorithm {
                OID_RSA_ENCRYPTION => rsa_key(field, format, &der_bytes.0, info.private_key),
                OID_EC_PUBLIC_KEY => {
                    let Some(curve_oid) = info.curve else {
                        return Err(invalid());
                    };
                    let Some(curve) = Curve::from_oid(curve_oid) else {
                        return Err(Violation::error(field, "tls.key_unsupported_algorithm")
                            .with("algorithm", format!("ECDSA {}", curve_name(curve_oid))));
                    };
                    ec_key(field, format, curve, &der_bytes.0, info.private_key)
                }
                OID_ED25519 => {
                    ring::signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der_bytes.0)
                        .map(|pair| PublicKeyFacts::Ed25519 {
                            key: pair.public_key().as_ref().to_vec(),
                        })
                        .map_err(|_| invalid())
                }
                other => Err(Violation::error(field, "tls.key_unsupported_algorithm")
                    .with("algorithm", algorithm_name(other))),
            }
        }
        KeyFormat::Pkcs1 => rsa_key(field, format, &der_bytes.0, &der_bytes.0),
        KeyFormat::Sec1 => {
            let sec1 = sec1_info(&der_bytes.0).ok_or_else(invalid)?;
            let curve = match sec1.curve {
                Some(oid) => Curve::from_oid(oid).ok_or_else(|| {
                    Violation::error(field, "tls.key_unsupported_algorithm")
                        .with("algorithm", format!("ECDSA {}", curve_name(oid)))
                })?,
                // Parameters are optional; the scalar's length then tells the curve.
                None => match sec1.scalar_len {
                    32 => Curve::P256,
                    48 => Curve::P384,
                    _ => return Err(invalid()),
                },
            };
            let pkcs8 = SecretBytes(sec1_to_pkcs8(curve, &der_bytes.0));
            ec_key(field, format, curve, &pkcs8.0, &der_bytes.0)
        }
    }
}

struct Pkcs8Info<'a> {
    algorithm: &'a [u8],
    curve: Option<&'a [u8]>,
    private_key: &'a [u8],
}

/// PrivateKeyInfo ::= SEQUENCE { version INTEGER, algorithm AlgorithmIdentifier,
/// privateKey OCTET STRING, … } — only the structure, to pick the algorithm.
fn pkcs8_info(input: &[u8]) -> Option<Pkcs8Info<'_>> {
    let (seq, _) = der::expect(input, der::SEQUENCE)?;
    let (_version, rest) = der::expect(seq, der::INTEGER)?;
    let (alg, rest) = der::expect(rest, der::SEQUENCE)?;
    let (oid, params) = der::expect(alg, der::OID)?;
    let curve = der::expect(params, der::OID).map(|(c, _)| c);
    let (private_key, _) = der::expect(rest, der::OCTET_STRING)?;
    Some(Pkcs8Info {
        algorithm: oid,
        curve,
        private_key,
    })
}

struct Sec1Info<'a> {
    scalar_len: usize,
    curve: Option<&'a [u8]>,
    has_public_key: bool,
}

/// ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING,
/// parameters [0] OID OPTIONAL, publicKey [1] BIT STRING OPTIONAL }
fn sec1_info(input: &[u8]) -> Option<Sec1Info<'_>> {
    let (seq, _) = der::expect(input, der::SEQUENCE)?;
    let (_version, rest) = der::expect(seq, der::INTEGER)?;
    let (scalar, mut rest) = der::expect(rest, der::OCTET_STRING)?;
    let mut curve = None;
    let mut has_public_key = false;
    while let Some((tag, value, next)) = der::read(rest) {
        match tag {
            0xA0 => curve = der::expect(value, der::OID).map(|(c, _)| c),
            0xA1 => has_public_key = true,
            _ => {}
        }
        rest = next;
    }
    Some(Sec1Info {
        scalar_len: scalar.len(),
        curve,
        has_public_key,
    })
}

/// Wraps a SEC1 ECPrivateKey in a PKCS#8 v1 PrivateKeyInfo, the only EC form `ring` reads.
fn sec1_to_pkcs8(curve: Curve, sec1: &[u8]) -> Vec<u8> {
    let mut alg = der::write(der::OID, OID_EC_PUBLIC_KEY);
    alg.extend(der::write(der::OID, curve.oid()));
    let mut body = der::write(der::INTEGER, &[0]);
    body.extend(der::write(der::SEQUENCE, &alg));
    body.extend(der::write(der::OCTET_STRING, sec1));
    der::write(der::SEQUENCE, &body)
}

/// How the key is matched to the certificate (RSA): the modulus and public exponent are
/// read from the RSAPrivateKey structure and compared with the certificate's
/// RSAPublicKey. That alone would trust the structure, so `ring` also loads the key,
/// which checks that the components are consistent (n = p·q, the CRT values, e ≥ 65537)
/// and refuses keys under 2048 bits. `ring` also refuses keys over 4096 bits and odd
/// sizes; those are still compared by modulus and exponent, without the consistency check.
fn rsa_key(
    field: &str,
    format: KeyFormat,
    ring_input: &[u8],
    pkcs1: &[u8],
) -> Result<PublicKeyFacts, Violation> {
    let invalid = || Violation::error(field, "tls.key_invalid").with("format", format.name());
    let (modulus, exponent) = rsa_public_from_private(pkcs1).ok_or_else(invalid)?;
    let bits = bit_length(&modulus);
    if bits < 2048 {
        return Err(Violation::error(field, "tls.key_rsa_too_small").with("bits", bits));
    }
    let loaded = match format {
        KeyFormat::Pkcs8 => ring::signature::RsaKeyPair::from_pkcs8(ring_input),
        _ => ring::signature::RsaKeyPair::from_der(ring_input),
    };
    match loaded {
        Ok(_) => {}
        Err(e)
            if matches!(
                e.to_string().as_str(),
                "TooLarge" | "PrivateModulusLenNotMultipleOf512Bits"
            ) => {}
        Err(_) => return Err(invalid()),
    }
    Ok(PublicKeyFacts::Rsa { modulus, exponent })
}

/// How the key is matched to the certificate (ECDSA): `ring` loads the PKCS#8 key,
/// recomputes the public point from the private scalar and refuses the key unless it
/// equals the public key stored beside the scalar; that point is then compared with the
/// certificate's. `ring` needs the stored public key, so a key without one is refused
/// with its own message (OpenSSL can add it back).
fn ec_key(
    field: &str,
    format: KeyFormat,
    curve: Curve,
    pkcs8: &[u8],
    ec_private_key: &[u8],
) -> Result<PublicKeyFacts, Violation> {
    let invalid = || Violation::error(field, "tls.key_invalid").with("format", format.name());
    let sec1 = sec1_info(ec_private_key).ok_or_else(invalid)?;
    if !sec1.has_public_key {
        return Err(Violation::error(field, "tls.key_ec_no_public_key"));
    }
    let alg = match curve {
        Curve::P256 => &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        Curve::P384 => &ring::signature::ECDSA_P384_SHA384_ASN1_SIGNING,
    };
    let rng = ring::rand::SystemRandom::new();
    let pair =
        ring::signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8, &rng).map_err(|_| invalid())?;
    Ok(PublicKeyFacts::Ec {
        curve,
        point: pair.public_key().as_ref().to_vec(),
    })
}

/// The key matches the server certificate when the public key derived from it equals the
/// certificate's SubjectPublicKeyInfo key (same algorithm, curve and value). Ed25519:
/// `ring` derives the public key from the seed (and checks it against a stored one).
fn key_matches(field: &str, key: &PublicKeyFacts, leaf: &Cert) -> Option<Violation> {
    let same = match (key, &leaf.spki) {
        (PublicKeyFacts::Other(_), _) | (_, PublicKeyFacts::Other(_)) => false,
        (a, b) => a == b,
    };
    (!same).then(|| {
        Violation::error(field, "tls.key_mismatch")
            .with("key_type", key.describe())
            .with("cert_type", leaf.spki.describe())
    })
}

/// A minimal DER reader/writer: single-byte tags, definite lengths up to 4 bytes.
mod der {
    pub const INTEGER: u8 = 0x02;
    pub const OCTET_STRING: u8 = 0x04;
    pub const OID: u8 = 0x06;
    pub const SEQUENCE: u8 = 0x30;

    /// (tag, value, rest)
    pub fn read(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = input.split_first()?;
        if tag & 0x1F == 0x1F {
            return None;
        }
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let count = usize::from(first & 0x7F);
            if count == 0 || count > 4 || rest.len() < count {
                return None;
            }
            let len = rest[..count]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            (len, &rest[count..])
        };
        (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
    }

    /// (value, rest) if the next element has `tag`.
    pub fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        let (actual, value, rest) = read(input)?;
        (actual == tag).then_some((value, rest))
    }

    pub fn write(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes: Vec<u8> = len
                .to_be_bytes()
                .into_iter()
                .skip_while(|&b| b == 0)
                .collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend(bytes);
        }
        out.extend_from_slice(content);
        out
    }

    /// An unsigned big-endian integer without its leading zero bytes.
    pub fn unsigned(bytes: &[u8]) -> &[u8] {
        let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        &bytes[start..]
    }
}

#[cfg(test)]
mod tests;
