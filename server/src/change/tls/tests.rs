//! Certificates and EC/Ed25519 keys are generated here with rcgen. RSA keys cannot be
//! generated with ring, so two throwaway RSA test keys live in testdata/ (made once
//! with `openssl genpkey`, used nowhere else); the PKCS#1 form is unwrapped from the
//! PKCS#8 one, and SEC1 from rcgen's PKCS#8 EC keys.

use super::*;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384, PKCS_ED25519,
    SignatureAlgorithm,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};

const RSA2048_PKCS8: &str = include_str!("testdata/throwaway-rsa2048.pk8.pem");
const RSA1024_PKCS8: &str = include_str!("testdata/throwaway-rsa1024.pk8.pem");
const EN: app::i18n::Lang = app::i18n::Lang::En;
const JA: app::i18n::Lang = app::i18n::Lang::Ja;

/// 2030-03-17T17:46:40Z; all certificates are dated relative to it.
const NOW_TS: i64 = 1_900_000_000;
const HOST: &str = "registry.apps.example.com";

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(NOW_TS, 0).unwrap()
}

fn day(offset: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(NOW_TS + offset * 86_400).unwrap()
}

fn key(alg: &'static SignatureAlgorithm) -> KeyPair {
    KeyPair::generate_for(alg).unwrap()
}

fn p256() -> KeyPair {
    key(&PKCS_ECDSA_P256_SHA256)
}

fn named(cn: &str, sans: &[&str], from: i64, to: i64) -> CertificateParams {
    let mut params =
        CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    params.distinguished_name = dn;
    params.not_before = day(from);
    params.not_after = day(to);
    params
}

fn ca(cn: &str, from: i64, to: i64) -> CertificateParams {
    let mut params = named(cn, &[], from, to);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
}

/// A CA that can sign: its certificate PEM and an rcgen issuer.
struct Ca {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn root(cn: &str) -> Ca {
    let params = ca(cn, -365, 3650);
    let key = p256();
    let pem = params.self_signed(&key).unwrap().pem();
    Ca {
        pem,
        issuer: Issuer::new(params, key),
    }
}

fn intermediate(cn: &str, parent: &Ca, from: i64, to: i64) -> Ca {
    let params = ca(cn, from, to);
    let key = p256();
    let pem = params.signed_by(&key, &parent.issuer).unwrap().pem();
    Ca {
        pem,
        issuer: Issuer::new(params, key),
    }
}

fn leaf(params: &CertificateParams, key: &KeyPair, parent: &Ca) -> String {
    params.signed_by(key, &parent.issuer).unwrap().pem()
}

/// Root → intermediate → leaf for HOST, with the leaf's key.
struct Pki {
    root: Ca,
    inter: Ca,
    leaf_pem: String,
    leaf_key: KeyPair,
}

fn pki_with(params: CertificateParams, leaf_key: KeyPair) -> Pki {
    let root = root("Test Root CA");
    let inter = intermediate("Test Intermediate CA", &root, -30, 1000);
    let leaf_pem = leaf(&params, &leaf_key, &inter);
    Pki {
        root,
        inter,
        leaf_pem,
        leaf_key,
    }
}

fn pki() -> Pki {
    pki_with(named(HOST, &[HOST], -10, 200), p256())
}

impl Pki {
    fn chain(&self) -> String {
        format!("{}{}", self.leaf_pem, self.inter.pem)
    }
    fn key_pem(&self) -> String {
        self.leaf_key.serialize_pem()
    }
}

fn keys(violations: &[Violation]) -> Vec<&str> {
    violations.iter().map(|v| v.key.as_str()).collect()
}

fn param<'a>(v: &'a Violation, name: &str) -> &'a str {
    v.params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, value)| value.as_str())
        .unwrap_or_else(|| panic!("{} has no param {name}: {:?}", v.key, v.params))
}

fn check(chain: &str, key: &str, ca: Option<&str>, host: Option<&str>) -> Vec<Violation> {
    let out = check_tls_material(
        chain.as_bytes(),
        key.as_bytes(),
        ca.map(str::as_bytes),
        host,
        now(),
    );
    assert_catalogued(&out);
    out
}

fn cert_err(input: &[u8]) -> Violation {
    let v = parse_certificates("spec.x", input).expect_err("should be refused");
    assert_catalogued(std::slice::from_ref(&v));
    assert_eq!(v.field, "spec.x");
    assert_eq!(v.severity, Severity::Error);
    v
}

// ---- DER/PEM helpers for building key formats --------------------------------------------

fn pem_of(label: &str, der: &[u8]) -> String {
    pem::encode(&pem::Pem::new(label, der.to_vec()))
}

fn der_of(pem_text: &str) -> Vec<u8> {
    pem::parse(pem_text).unwrap().into_contents()
}

/// The privateKey OCTET STRING of a PKCS#8 PrivateKeyInfo: RSAPrivateKey or ECPrivateKey.
fn pkcs8_inner(pkcs8_pem: &str) -> Vec<u8> {
    let der_bytes = der_of(pkcs8_pem);
    pkcs8_info(&der_bytes).unwrap().private_key.to_vec()
}

/// Rebuilds an ECPrivateKey with `[0] curve` and with or without `[1] publicKey`.
fn sec1_rebuilt(ec_private_key: &[u8], curve: Option<&[u8]>, keep_public: bool) -> Vec<u8> {
    let (seq, _) = der::expect(ec_private_key, der::SEQUENCE).unwrap();
    let (_, rest) = der::expect(seq, der::INTEGER).unwrap();
    let (scalar, mut rest) = der::expect(rest, der::OCTET_STRING).unwrap();
    let mut public = None;
    while let Some((tag, value, next)) = der::read(rest) {
        if tag == 0xA1 {
            public = Some(value.to_vec());
        }
        rest = next;
    }
    let mut body = der::write(der::INTEGER, &[1]);
    body.extend(der::write(der::OCTET_STRING, scalar));
    if let Some(curve) = curve {
        body.extend(der::write(0xA0, &der::write(der::OID, curve)));
    }
    if keep_public {
        body.extend(der::write(0xA1, &public.unwrap()));
    }
    der::write(der::SEQUENCE, &body)
}

// ---- Catalogue ------------------------------------------------------------------------

/// Same rules as the project's `parse_catalogue`.
/// The `tls.*` messages of a language's catalogue (a message in plural forms by its
/// `other` form).
fn catalogue(lang: app::i18n::Lang) -> HashMap<&'static str, &'static str> {
    let plain: std::collections::HashSet<&str> = app::i18n::keys(lang).into_iter().collect();
    MESSAGE_KEYS
        .iter()
        .filter(|key| app::i18n::has_key(lang, key))
        .map(|key| {
            let text = if plain.contains(key) {
                app::i18n::translate(lang, key)
            } else {
                app::i18n::translate(lang, &format!("{key}.other"))
            };
            (*key, text)
        })
        .collect()
}

fn placeholders(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let end = after.find('}').expect("unclosed placeholder");
        out.insert(after[..end].to_string());
        rest = &after[end + 1..];
    }
    out
}

/// Every violation has a catalogued key whose placeholders its params fill, in both languages.
fn assert_catalogued(violations: &[Violation]) {
    let en = catalogue(EN);
    let ja = catalogue(JA);
    for v in violations {
        assert!(
            MESSAGE_KEYS.contains(&v.key.as_str()),
            "{} not in MESSAGE_KEYS",
            v.key
        );
        let given: BTreeSet<String> = v.params.iter().map(|(n, _)| n.clone()).collect();
        for text in [en[v.key.as_str()], ja[v.key.as_str()]] {
            for p in placeholders(text) {
                assert!(
                    given.contains(&p),
                    "{}: placeholder {{{p}}} not given ({:?})",
                    v.key,
                    v.params
                );
            }
        }
    }
}

#[test]
fn catalogues_define_every_key_with_the_same_placeholders() {
    let en = catalogue(EN);
    let ja = catalogue(JA);
    let listed: BTreeSet<&str> = MESSAGE_KEYS.iter().copied().collect();
    assert_eq!(
        listed.len(),
        MESSAGE_KEYS.len(),
        "duplicate in MESSAGE_KEYS"
    );
    assert_eq!(en.keys().copied().collect::<BTreeSet<_>>(), listed);
    assert_eq!(ja.keys().copied().collect::<BTreeSet<_>>(), listed);
    for key in MESSAGE_KEYS {
        assert!(key.starts_with("tls."));
        assert_eq!(placeholders(en[key]), placeholders(ja[key]), "{key}");
        for text in [en[key], ja[key]] {
            assert!(!text.starts_with("{field}"), "{key} starts with the field");
            assert!(!text.contains("{field}"), "{key} repeats the field");
        }
        // Japanese text actually is Japanese.
        assert!(
            ja[key]
                .chars()
                .any(|c| ('\u{3040}'..='\u{30FF}').contains(&c)),
            "{key}"
        );
    }
}

// ---- Valid material ---------------------------------------------------------------------

#[test]
fn valid_chain_with_matching_key_has_no_violations() {
    let p = pki();
    assert_eq!(
        check(&p.chain(), &p.key_pem(), Some(&p.root.pem), Some(HOST)),
        vec![]
    );
    assert_eq!(check(&p.chain(), &p.key_pem(), None, Some(HOST)), vec![]);
    assert_eq!(check(&p.chain(), &p.key_pem(), None, None), vec![]);
    // CA = the intermediate itself, chain = leaf only.
    assert_eq!(
        check(&p.leaf_pem, &p.key_pem(), Some(&p.inter.pem), Some(HOST)),
        vec![]
    );
    // Chain that includes the root, CA = root.
    let full = format!("{}{}", p.chain(), p.root.pem);
    assert_eq!(
        check(&full, &p.key_pem(), Some(&p.root.pem), Some(HOST)),
        vec![]
    );
    // Upper case, trailing dot, CRLF line ends, a UTF-8 BOM, text around the blocks.
    let messy = format!(
        "\u{FEFF}subject=CN = {HOST}\r\n{}",
        p.chain().replace('\n', "\r\n")
    );
    assert_eq!(
        check(
            &messy,
            &p.key_pem(),
            None,
            Some("REGISTRY.Apps.Example.COM.")
        ),
        vec![]
    );
}

#[test]
fn valid_secret_has_no_violations() {
    let p = pki();
    let mut data = BTreeMap::new();
    data.insert("tls.crt".to_string(), p.chain().into_bytes());
    data.insert("tls.key".to_string(), p.key_pem().into_bytes());
    assert_eq!(
        check_tls_secret(
            "spec.routes[0].secretName",
            "reg-tls",
            &data,
            Some(HOST),
            now()
        ),
        vec![]
    );
    data.insert("tls.cacrt".to_string(), p.root.pem.clone().into_bytes());
    assert_eq!(
        check_tls_secret(
            "spec.routes[0].secretName",
            "reg-tls",
            &data,
            Some(HOST),
            now()
        ),
        vec![]
    );
}

#[test]
fn certificate_info_facts() {
    let p = pki();
    let full = format!("{}{}", p.chain(), p.root.pem);
    let infos = parse_certificates("f", full.as_bytes()).unwrap();
    assert_eq!(infos.len(), 3);
    let (l, i, r) = (&infos[0], &infos[1], &infos[2]);
    assert_eq!(l.subject, format!("CN={HOST}"));
    assert_eq!(l.issuer, "CN=Test Intermediate CA");
    assert_eq!(i.issuer, "CN=Test Root CA");
    assert_eq!(l.dns_names, vec![HOST.to_string()]);
    assert!(!l.is_ca && i.is_ca && r.is_ca);
    assert!(!l.self_signed && !i.self_signed && r.self_signed);
    assert_eq!(l.not_before, "2030-03-07T17:46:40Z");
    assert_eq!(l.not_after, "2030-10-03T17:46:40Z");
    let fp = &l.sha256_fingerprint;
    assert_eq!(fp.len(), 32 * 3 - 1);
    assert!(fp.split(':').all(|b| {
        b.len() == 2
            && b.chars()
                .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c))
    }));
    let expected = ring::digest::digest(&ring::digest::SHA256, &der_of(&p.leaf_pem));
    assert_eq!(*fp, colon_hex(expected.as_ref()));
    assert!(!l.serial.is_empty() && !l.serial.starts_with("00"));
    assert_ne!(l.sha256_fingerprint, i.sha256_fingerprint);
}

// ---- Validity ---------------------------------------------------------------------------

#[test]
fn expired_leaf_is_an_error() {
    let p = pki_with(named(HOST, &[HOST], -100, -1), p256());
    let out = check(&p.chain(), &p.key_pem(), None, Some(HOST));
    assert_eq!(keys(&out), ["tls.cert_expired"]);
    assert_eq!(out[0].severity, Severity::Error);
    assert_eq!(param(&out[0], "position"), "1");
    assert_eq!(param(&out[0], "date"), "2030-03-16T17:46:40Z");
}

#[test]
fn not_yet_valid_leaf_is_an_error() {
    let p = pki_with(named(HOST, &[HOST], 1, 100), p256());
    let out = check(&p.chain(), &p.key_pem(), None, Some(HOST));
    assert_eq!(keys(&out), ["tls.cert_not_yet_valid"]);
    assert_eq!(out[0].severity, Severity::Error);
}

#[test]
fn leaf_expiring_in_ten_days_is_a_warning() {
    let p = pki_with(named(HOST, &[HOST], -10, 10), p256());
    let out = check(&p.chain(), &p.key_pem(), None, Some(HOST));
    assert_eq!(keys(&out), ["tls.cert_expiring"]);
    assert_eq!(out[0].severity, Severity::Warning);
    assert_eq!(param(&out[0], "days"), "10");
    // 31 days left: nothing.
    let p = pki_with(named(HOST, &[HOST], -10, 31), p256());
    assert_eq!(check(&p.chain(), &p.key_pem(), None, Some(HOST)), vec![]);
}

#[test]
fn expired_intermediate_names_its_position() {
    let root = root("Root");
    let inter = intermediate("Inter", &root, -400, -2);
    let k = p256();
    let chain = format!(
        "{}{}",
        leaf(&named(HOST, &[HOST], -10, 100), &k, &inter),
        inter.pem
    );
    let out = check(&chain, &k.serialize_pem(), None, Some(HOST));
    assert_eq!(keys(&out), ["tls.cert_expired"]);
    assert_eq!(param(&out[0], "position"), "2");
    assert_eq!(param(&out[0], "subject"), "CN=Inter");
}

// ---- Key matching -------------------------------------------------------------------

#[test]
fn key_that_does_not_match_is_refused() {
    let p = pki();
    let other = p256();
    let out = check(&p.chain(), &other.serialize_pem(), None, Some(HOST));
    assert_eq!(keys(&out), ["tls.key_mismatch"]);
    assert_eq!(out[0].field, FIELD_KEY);
    assert_eq!(param(&out[0], "key_type"), "ECDSA P-256");
    assert_eq!(param(&out[0], "cert_type"), "ECDSA P-256");
    // Another algorithm altogether.
    let out = check(&p.chain(), RSA2048_PKCS8, None, Some(HOST));
    assert_eq!(keys(&out), ["tls.key_mismatch"]);
    assert_eq!(param(&out[0], "key_type"), "RSA 2048");
    // The intermediate's key matches the intermediate, not the server certificate.
    let inter_key = p.inter.issuer.key().serialize_pem();
    assert_eq!(
        keys(&check(&p.chain(), &inter_key, None, Some(HOST))),
        ["tls.key_mismatch"]
    );
}

fn assert_key_works(leaf_key: KeyPair, key_pem: &str) {
    let p = pki_with(named(HOST, &[HOST], -10, 200), leaf_key);
    assert_eq!(
        check(&p.chain(), key_pem, Some(&p.root.pem), Some(HOST)),
        vec![],
        "{key_pem}"
    );
    let wrong = pki();
    assert_eq!(
        keys(&check(&wrong.chain(), key_pem, None, Some(HOST))),
        ["tls.key_mismatch"]
    );
}

#[test]
fn rsa_pkcs8_key() {
    let k = KeyPair::from_pem(RSA2048_PKCS8).unwrap();
    assert_key_works(k, RSA2048_PKCS8);
}

#[test]
fn rsa_pkcs1_key() {
    let k = KeyPair::from_pem(RSA2048_PKCS8).unwrap();
    let pkcs1 = pem_of("RSA PRIVATE KEY", &pkcs8_inner(RSA2048_PKCS8));
    assert_key_works(k, &pkcs1);
}

#[test]
fn rsa_modulus_read_from_the_private_key_equals_the_certificates() {
    // The path used when ring refuses a key for its size (> 4096 bits).
    let k = KeyPair::from_pem(RSA2048_PKCS8).unwrap();
    let p = pki_with(named(HOST, &[HOST], -10, 200), k);
    let leaf = &read_certificates("f", p.leaf_pem.as_bytes()).unwrap()[0];
    let (modulus, exponent) = rsa_public_from_private(&pkcs8_inner(RSA2048_PKCS8)).unwrap();
    assert_eq!(leaf.spki, PublicKeyFacts::Rsa { modulus, exponent });
}

#[test]
fn rsa_key_below_2048_bits_is_refused() {
    let out = check(&pki().chain(), RSA1024_PKCS8, None, None);
    assert_eq!(keys(&out), ["tls.key_rsa_too_small"]);
    assert_eq!(param(&out[0], "bits"), "1024");
    let pkcs1 = pem_of("RSA PRIVATE KEY", &pkcs8_inner(RSA1024_PKCS8));
    assert_eq!(
        keys(&check(&pki().chain(), &pkcs1, None, None)),
        ["tls.key_rsa_too_small"]
    );
}

#[test]
fn ec_pkcs8_keys() {
    let k = p256();
    let pem_text = k.serialize_pem();
    assert_key_works(k, &pem_text);
    let k = key(&PKCS_ECDSA_P384_SHA384);
    let pem_text = k.serialize_pem();
    assert_key_works(k, &pem_text);
}

#[test]
fn ed25519_pkcs8_key() {
    let k = key(&PKCS_ED25519);
    let pem_text = k.serialize_pem();
    assert_key_works(k, &pem_text);
}

#[test]
fn sec1_ec_keys() {
    for (alg, oid) in [
        (&PKCS_ECDSA_P256_SHA256, OID_P256),
        (&PKCS_ECDSA_P384_SHA384, OID_P384),
    ] {
        let k = key(alg);
        let inner = pkcs8_inner(&k.serialize_pem());
        // As OpenSSL writes it: with the curve, often after an EC PARAMETERS block.
        let with_curve = pem_of("EC PRIVATE KEY", &sec1_rebuilt(&inner, Some(oid), true));
        let params = pem_of("EC PARAMETERS", &der::write(der::OID, oid));
        let without_curve = pem_of("EC PRIVATE KEY", &sec1_rebuilt(&inner, None, true));
        let p = pki_with(named(HOST, &[HOST], -10, 200), k);
        for key_pem in [
            with_curve.clone(),
            format!("{params}{with_curve}"),
            without_curve,
        ] {
            assert_eq!(
                check(&p.chain(), &key_pem, None, Some(HOST)),
                vec![],
                "{key_pem}"
            );
            assert_eq!(
                keys(&check(&pki().chain(), &key_pem, None, None)),
                ["tls.key_mismatch"]
            );
        }
    }
}

#[test]
fn sec1_key_without_public_key_is_refused_with_a_fix() {
    let k = p256();
    let inner = pkcs8_inner(&k.serialize_pem());
    let bare = pem_of(
        "EC PRIVATE KEY",
        &sec1_rebuilt(&inner, Some(OID_P256), false),
    );
    let p = pki_with(named(HOST, &[HOST], -10, 200), k);
    assert_eq!(
        keys(&check(&p.chain(), &bare, None, None)),
        ["tls.key_ec_no_public_key"]
    );
}

#[test]
fn tampered_ec_key_is_invalid() {
    // Public key of another key beside this scalar: ring's consistency check catches it.
    let a = pkcs8_inner(&p256().serialize_pem());
    let b = pkcs8_inner(&p256().serialize_pem());
    let (seq_b, _) = der::expect(&b, der::SEQUENCE).unwrap();
    let public_b = {
        let (_, rest) = der::expect(seq_b, der::INTEGER).unwrap();
        let (_, rest) = der::expect(rest, der::OCTET_STRING).unwrap();
        der::expect(rest, 0xA1).unwrap().0.to_vec()
    };
    let (seq_a, _) = der::expect(&a, der::SEQUENCE).unwrap();
    let (_, rest) = der::expect(seq_a, der::INTEGER).unwrap();
    let (scalar, _) = der::expect(rest, der::OCTET_STRING).unwrap();
    let mut body = der::write(der::INTEGER, &[1]);
    body.extend(der::write(der::OCTET_STRING, scalar));
    body.extend(der::write(0xA1, &public_b));
    let frankenkey = pem_of("EC PRIVATE KEY", &der::write(der::SEQUENCE, &body));
    let out = check(&pki().chain(), &frankenkey, None, None);
    assert_eq!(keys(&out), ["tls.key_invalid"]);
    assert_eq!(param(&out[0], "format"), "SEC1");
}

#[test]
fn encrypted_keys_are_refused() {
    let body = der_of(&p256().serialize_pem());
    let pkcs8_enc = pem_of("ENCRYPTED PRIVATE KEY", &body);
    let legacy = format!(
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n{}-----END RSA PRIVATE KEY-----\n",
        pem_of("X", &body)
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    );
    for key_pem in [&pkcs8_enc, &legacy] {
        let out = check(&pki().chain(), key_pem, None, None);
        assert_eq!(keys(&out), ["tls.key_encrypted"], "{key_pem}");
        // Pasted as a certificate it is still a private key.
        assert_eq!(cert_err(key_pem.as_bytes()).key, "tls.cert_private_key");
    }
}

#[test]
fn key_input_problems() {
    let chain = pki().chain();
    let k = p256().serialize_pem();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"".to_vec(), "tls.key_empty"),
        (b" \n\t".to_vec(), "tls.key_empty"),
        (der_of(&k), "tls.key_binary"),
        (b"hello, this is not a key".to_vec(), "tls.key_not_pem"),
        (base64_of(&k).into_bytes(), "tls.key_base64"),
        (
            k.replace("-----END PRIVATE KEY-----", "").into_bytes(),
            "tls.key_pem_malformed",
        ),
        (
            k.replacen('M', "!", 1).into_bytes(),
            "tls.key_pem_malformed",
        ),
        (chain.clone().into_bytes(), "tls.key_no_private_key"),
        (
            format!("{k}{}", p256().serialize_pem()).into_bytes(),
            "tls.key_several",
        ),
        (
            pem_of("OPENSSH PRIVATE KEY", b"openssh-key-v1\0").into_bytes(),
            "tls.key_unsupported_format",
        ),
        (
            pem_of("DSA PRIVATE KEY", &[0x30, 0]).into_bytes(),
            "tls.key_unsupported_algorithm",
        ),
        (
            pem_of("PRIVATE KEY", &[0x30, 0x03, 0x02, 0x01, 0x00]).into_bytes(),
            "tls.key_invalid",
        ),
        (
            pem_of("RSA PRIVATE KEY", b"garbage").into_bytes(),
            "tls.key_invalid",
        ),
    ];
    for (input, expected) in cases {
        let out = check_tls_material(chain.as_bytes(), &input, None, None, now());
        assert_catalogued(&out);
        assert_eq!(
            keys(&out),
            [expected],
            "{}",
            String::from_utf8_lossy(&input)
        );
        assert_eq!(out[0].field, FIELD_KEY);
    }
    let out = check(&chain, &chain, None, None);
    assert_eq!(param(&out[0], "labels"), "CERTIFICATE");
}

#[test]
fn unsupported_key_algorithms_are_named() {
    fn pkcs8(alg: &[u8], curve: Option<&[u8]>) -> String {
        let mut alg_id = der::write(der::OID, alg);
        if let Some(curve) = curve {
            alg_id.extend(der::write(der::OID, curve));
        }
        let mut body = der::write(der::INTEGER, &[0]);
        body.extend(der::write(der::SEQUENCE, &alg_id));
        body.extend(der::write(der::OCTET_STRING, &[0x04, 0x02, 0x01, 0x02]));
        pem_of("PRIVATE KEY", &der::write(der::SEQUENCE, &body))
    }
    for (pem_text, name) in [
        (pkcs8(OID_EC_PUBLIC_KEY, Some(OID_P521)), "ECDSA P-521"),
        (pkcs8(OID_ED448, None), "Ed448"),
        (pkcs8(OID_RSASSA_PSS, None), "RSA-PSS"),
        (pkcs8(OID_DSA, None), "DSA"),
    ] {
        let out = check(&pki().chain(), &pem_text, None, None);
        assert_eq!(keys(&out), ["tls.key_unsupported_algorithm"]);
        assert_eq!(param(&out[0], "algorithm"), name);
    }
}

// ---- Host names -------------------------------------------------------------------------

fn host_check(sans: &[&str], cn: &str, host: &str) -> Vec<Violation> {
    let p = pki_with(named(cn, sans, -10, 200), p256());
    check(&p.chain(), &p.key_pem(), None, Some(host))
}

#[test]
fn wrong_san_is_not_covered() {
    let out = host_check(&["other.example.com", "www.example.com"], HOST, HOST);
    assert_eq!(keys(&out), ["tls.host_not_covered"]);
    assert_eq!(out[0].field, FIELD_CERTIFICATE);
    assert_eq!(param(&out[0], "host"), HOST);
    assert_eq!(
        param(&out[0], "names"),
        "other.example.com, www.example.com"
    );
}

#[test]
fn wildcard_covers_exactly_one_label() {
    let sans = ["*.apps.example.com"];
    assert_eq!(host_check(&sans, "w", HOST), vec![]);
    assert_eq!(host_check(&sans, "w", "REGISTRY.APPS.EXAMPLE.COM"), vec![]);
    assert_eq!(
        keys(&host_check(&sans, "w", "apps.example.com")),
        ["tls.host_not_covered"]
    );
    assert_eq!(
        keys(&host_check(&sans, "w", "a.registry.apps.example.com")),
        ["tls.host_not_covered"]
    );
}

#[test]
fn partial_wildcard_covers_nothing() {
    assert_eq!(
        keys(&host_check(&["reg*.apps.example.com"], "w", HOST)),
        ["tls.host_not_covered"]
    );
    assert_eq!(
        keys(&host_check(&["*registry.apps.example.com"], "w", HOST)),
        ["tls.host_not_covered"]
    );
}

#[test]
fn common_name_without_san_does_not_cover() {
    let out = host_check(&[], HOST, HOST);
    assert_eq!(keys(&out), ["tls.host_no_san"]);
    assert_eq!(param(&out[0], "cn"), HOST);
    // With SANs, the CN is ignored too.
    assert_eq!(
        keys(&host_check(&["other.example.com"], HOST, HOST)),
        ["tls.host_not_covered"]
    );
}

#[test]
fn ip_san_does_not_cover_a_dns_name() {
    let out = host_check(&["192.0.2.10"], "x", HOST);
    assert_eq!(keys(&out), ["tls.host_not_covered"]);
    assert_eq!(param(&out[0], "names"), "192.0.2.10");
    assert_eq!(host_check(&["192.0.2.10"], "x", "192.0.2.10"), vec![]);
}

#[test]
fn dns_name_matching_table() {
    let cases = [
        ("registry.example.com", "registry.example.com", true),
        ("Registry.Example.com", "registry.example.com", true),
        ("registry.example.com.", "registry.example.com", true),
        ("*.example.com", "a.example.com", true),
        ("*.example.com", "example.com", false),
        ("*.example.com", "a.b.example.com", false),
        ("*.example.com", ".example.com", false),
        ("f*.example.com", "foo.example.com", false),
        ("*o.example.com", "foo.example.com", false),
        ("a.*.example.com", "a.b.example.com", false),
        ("*.*.example.com", "a.b.example.com", false),
        ("*.com", "example.com", false),
        ("*", "example", false),
        ("", "", false),
    ];
    for (san, host, expected) in cases {
        assert_eq!(
            dns_name_covers(san, &normalize_dns(host)),
            expected,
            "{san} vs {host}"
        );
    }
}

// ---- Certificate input problems ---------------------------------------------------------

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[test]
fn certificate_input_problems() {
    let p = pki();
    let k = p.key_pem();
    assert_eq!(cert_err(b"").key, "tls.cert_empty");
    assert_eq!(cert_err(b"  \r\n").key, "tls.cert_empty");
    assert_eq!(
        cert_err(b"this is not a certificate").key,
        "tls.cert_not_pem"
    );
    assert_eq!(cert_err(&[0xFF, 0xD8, 0xFF, 0xE0]).key, "tls.cert_binary");
    assert_eq!(cert_err(&der_of(&p.leaf_pem)).key, "tls.cert_binary");
    assert_eq!(
        cert_err(base64_of(&p.leaf_pem).as_bytes()).key,
        "tls.cert_base64"
    );
    // A private key, alone, after the certificate, or with a broken block.
    assert_eq!(cert_err(k.as_bytes()).key, "tls.cert_private_key");
    assert_eq!(
        cert_err(format!("{}{k}", p.leaf_pem).as_bytes()).key,
        "tls.cert_private_key"
    );
    let broken_key = k.replace("-----END PRIVATE KEY-----", "");
    assert_eq!(
        cert_err(format!("{}{broken_key}", p.leaf_pem).as_bytes()).key,
        "tls.cert_private_key"
    );
    let rsa = pem_of("RSA PRIVATE KEY", &pkcs8_inner(RSA2048_PKCS8));
    assert_eq!(cert_err(rsa.as_bytes()).key, "tls.cert_private_key");
    // Broken framing / base64.
    let cut = p.leaf_pem.replace("-----END CERTIFICATE-----", "");
    assert_eq!(cert_err(cut.as_bytes()).key, "tls.cert_pem_malformed");
    let bad = p.leaf_pem.replacen('M', "*", 1);
    assert_eq!(cert_err(bad.as_bytes()).key, "tls.cert_pem_malformed");
    let mismatched = p.leaf_pem.replace("END CERTIFICATE", "END X509 CRL");
    assert_eq!(
        cert_err(mismatched.as_bytes()).key,
        "tls.cert_pem_malformed"
    );
    // PEM that is not X.509.
    let junk = pem_of("CERTIFICATE", b"not a certificate at all");
    let v = cert_err(format!("{}{junk}", p.leaf_pem).as_bytes());
    assert_eq!(
        (v.key.as_str(), param(&v, "position")),
        ("tls.cert_invalid", "2")
    );
}

#[test]
fn csr_and_public_key_are_not_certificates() {
    let k = p256();
    let csr = named(HOST, &[HOST], 0, 1)
        .serialize_request(&k)
        .unwrap()
        .pem()
        .unwrap();
    let v = cert_err(csr.as_bytes());
    assert_eq!(v.key, "tls.cert_wrong_block");
    assert_eq!(param(&v, "label"), "CERTIFICATE REQUEST");
    assert_eq!(param(&v, "position"), "1");
    let v = cert_err(format!("{}{}", pki().leaf_pem, k.public_key_pem()).as_bytes());
    assert_eq!(
        (param(&v, "label"), param(&v, "position")),
        ("PUBLIC KEY", "2")
    );
}

#[test]
fn several_certificates_in_one_value() {
    let p = pki();
    let other = root("Other Root");
    let bundle = format!(
        "{}\n# comment\n{}\n\n{}",
        p.root.pem, p.inter.pem, other.pem
    );
    let infos = parse_certificates("f", bundle.as_bytes()).unwrap();
    let subjects: Vec<&str> = infos.iter().map(|i| i.subject.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "CN=Test Root CA",
            "CN=Test Intermediate CA",
            "CN=Other Root"
        ]
    );
}

// ---- Chain order and CA ---------------------------------------------------------------

#[test]
fn chain_out_of_order_names_the_position() {
    let p = pki();
    let reversed = format!("{}{}", p.inter.pem, p.leaf_pem);
    let out = check(&reversed, &p.key_pem(), None, Some(HOST));
    let ks = keys(&out);
    assert!(ks.contains(&"tls.chain_order"), "{ks:?}");
    assert!(ks.contains(&"tls.leaf_is_ca"), "{ks:?}");
    let order = out.iter().find(|v| v.key == "tls.chain_order").unwrap();
    assert_eq!(param(order, "position"), "2");
    assert_eq!(param(order, "previous"), "1");
    // Leaf, root, intermediate: the root is not the leaf's issuer.
    let shuffled = format!("{}{}{}", p.leaf_pem, p.root.pem, p.inter.pem);
    let out = check(&shuffled, &p.key_pem(), None, Some(HOST));
    let positions: Vec<&str> = out
        .iter()
        .filter(|v| v.key == "tls.chain_order")
        .map(|v| param(v, "position"))
        .collect();
    assert_eq!(positions, ["2", "3"]);
}

#[test]
fn same_name_different_key_is_a_bad_signature() {
    let p = pki();
    let impostor = intermediate("Test Intermediate CA", &root("Test Root CA"), -30, 1000);
    let chain = format!("{}{}", p.leaf_pem, impostor.pem);
    let out = check(&chain, &p.key_pem(), None, Some(HOST));
    assert_eq!(keys(&out), ["tls.chain_signature_invalid"]);
    assert_eq!(param(&out[0], "position"), "2");
    // CA with the right name but another key.
    let other_root = root("Test Root CA");
    let out = check(&p.chain(), &p.key_pem(), Some(&other_root.pem), Some(HOST));
    assert_eq!(keys(&out), ["tls.ca_signature_invalid"]);
    assert_eq!(out[0].field, FIELD_CA);
}

#[test]
fn ca_that_did_not_issue_the_chain() {
    let p = pki();
    let out = check(
        &p.chain(),
        &p.key_pem(),
        Some(&root("Unrelated CA").pem),
        Some(HOST),
    );
    assert_eq!(keys(&out), ["tls.ca_not_issuer"]);
    assert_eq!(param(&out[0], "issuer"), "CN=Test Root CA");
    // Chain without the intermediate: the root did not issue the leaf directly.
    let out = check(&p.leaf_pem, &p.key_pem(), Some(&p.root.pem), Some(HOST));
    assert_eq!(keys(&out), ["tls.ca_not_issuer"]);
    // Several CAs, one of them right.
    let bundle = format!("{}{}", root("Unrelated CA").pem, p.root.pem);
    assert_eq!(
        check(&p.chain(), &p.key_pem(), Some(&bundle), Some(HOST)),
        vec![]
    );
    // A broken CA upload is reported on the CA field.
    let out = check(&p.chain(), &p.key_pem(), Some("nonsense"), Some(HOST));
    assert_eq!(keys(&out), ["tls.cert_not_pem"]);
    assert_eq!(out[0].field, FIELD_CA);
}

#[test]
fn server_certificate_without_server_auth() {
    let mut params = named(HOST, &[HOST], -10, 200);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let p = pki_with(params, p256());
    assert_eq!(
        keys(&check(&p.chain(), &p.key_pem(), None, Some(HOST))),
        ["tls.leaf_not_server_auth"]
    );
    let mut params = named(HOST, &[HOST], -10, 200);
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let p = pki_with(params, p256());
    assert_eq!(check(&p.chain(), &p.key_pem(), None, Some(HOST)), vec![]);
}

// ---- Secrets ----------------------------------------------------------------------------

#[test]
fn secret_items_missing_or_empty_are_each_named() {
    let p = pki();
    let run = |data: &BTreeMap<String, Vec<u8>>| {
        let out = check_tls_secret(
            "spec.routes[1].secretName",
            "my-tls",
            data,
            Some(HOST),
            now(),
        );
        assert_catalogued(&out);
        for v in &out {
            assert_eq!(v.field, "spec.routes[1].secretName");
            assert_eq!(param(v, "secret"), "my-tls");
        }
        out
    };
    let mut data = BTreeMap::new();
    assert_eq!(
        keys(&run(&data)),
        ["tls.secret_crt_missing", "tls.secret_key_missing"]
    );
    data.insert("tls.crt".to_string(), b"\n".to_vec());
    data.insert("tls.key".to_string(), Vec::new());
    assert_eq!(
        keys(&run(&data)),
        ["tls.secret_crt_empty", "tls.secret_key_empty"]
    );
    data.insert("tls.crt".to_string(), p.chain().into_bytes());
    assert_eq!(keys(&run(&data)), ["tls.secret_key_empty"]);
    data.insert("tls.key".to_string(), p256().serialize_pem().into_bytes());
    assert_eq!(keys(&run(&data)), ["tls.key_mismatch"]);
    data.insert("tls.key".to_string(), p.key_pem().into_bytes());
    data.insert("tls.cacrt".to_string(), root("Unrelated").pem.into_bytes());
    assert_eq!(keys(&run(&data)), ["tls.ca_not_issuer"]);
    data.remove("tls.cacrt");
    assert_eq!(
        keys(&check_tls_secret(
            "f",
            "s",
            &data,
            Some("other.example.com"),
            now()
        )),
        ["tls.host_not_covered"]
    );
    // Certificate and key swapped.
    let mut swapped = BTreeMap::new();
    swapped.insert("tls.crt".to_string(), p.key_pem().into_bytes());
    swapped.insert("tls.key".to_string(), p.chain().into_bytes());
    assert_eq!(
        keys(&run(&swapped)),
        ["tls.cert_private_key", "tls.key_no_private_key"]
    );
}

// ---- CA bundle --------------------------------------------------------------------------

#[test]
fn ca_bundle_warnings() {
    let p = pki();
    let expiring = root_with("Expiring CA", -100, 5);
    let expired = root_with("Expired CA", -100, -1);
    let bundle = format!(
        "{}{}{}{}{}",
        p.root.pem, p.leaf_pem, expiring, expired, p.root.pem
    );
    let (infos, out) = check_ca_bundle("caTrust[registry.example.com]", bundle.as_bytes(), now());
    assert_catalogued(&out);
    assert_eq!(infos.len(), 5);
    assert!(
        out.iter()
            .all(|v| v.severity == Severity::Warning && v.field == "caTrust[registry.example.com]")
    );
    let got: Vec<(&str, &str)> = out
        .iter()
        .map(|v| (v.key.as_str(), param(v, "position")))
        .collect();
    assert_eq!(
        got,
        [
            ("tls.ca_bundle_not_ca", "2"),
            ("tls.ca_bundle_expiring", "3"),
            ("tls.ca_bundle_expired", "4"),
            ("tls.ca_bundle_duplicate", "5"),
        ]
    );
    assert_eq!(param(&out[1], "days"), "5");
    assert_eq!(param(&out[3], "first"), "1");
    // Clean bundle; broken bundle.
    assert_eq!(check_ca_bundle("f", p.root.pem.as_bytes(), now()).1, vec![]);
    let (infos, out) = check_ca_bundle("f", p.key_pem().as_bytes(), now());
    assert!(infos.is_empty());
    assert_eq!(keys(&out), ["tls.cert_private_key"]);
}

fn root_with(cn: &str, from: i64, to: i64) -> String {
    ca(cn, from, to).self_signed(&p256()).unwrap().pem()
}

// ---- No key material in messages ---------------------------------------------------------

#[test]
fn no_private_key_bytes_in_params() {
    let p = pki();
    let ec = p.key_pem();
    let rsa1 = pem_of("RSA PRIVATE KEY", &pkcs8_inner(RSA2048_PKCS8));
    let secrets: Vec<String> = vec![
        ec.clone(),
        RSA2048_PKCS8.to_string(),
        RSA1024_PKCS8.to_string(),
        rsa1,
    ];
    let mut all = Vec::new();
    for s in &secrets {
        let label = s
            .lines()
            .next()
            .unwrap()
            .trim_start_matches("-----BEGIN ")
            .trim_end_matches('-');
        // Structure intact, a component damaged: ring's consistency checks refuse it.
        let mut corrupted = der_of(s);
        let at = corrupted.len() - 10;
        corrupted[at] ^= 0x5A;
        let variants = [
            s.clone(),
            pem_of(label, &corrupted),
            pem_of("ENCRYPTED PRIVATE KEY", &der_of(s)),
            s.replacen('A', "*", 1),
            s.replace("-----END", "--END"),
            base64_of(s),
            format!("{}{s}", p.leaf_pem),
            format!("{s}{s}"),
        ];
        for v in &variants {
            all.extend(check(v, v, Some(v), Some(HOST)));
            all.extend(check(&p.chain(), v, None, Some(HOST)));
            all.extend(check_ca_bundle("f", v.as_bytes(), now()).1);
            if let Err(e) = parse_certificates("f", v.as_bytes()) {
                all.push(e);
            }
        }
        all.extend(check(
            &p.chain(),
            &String::from_utf8_lossy(&der_of(s)),
            None,
            None,
        ));
        let mut data = BTreeMap::new();
        data.insert("tls.crt".to_string(), s.clone().into_bytes());
        data.insert("tls.key".to_string(), s.clone().into_bytes());
        all.extend(check_tls_secret("f", "s", &data, Some(HOST), now()));
    }
    assert!(all.len() > 50);
    for secret in &secrets {
        let der_bytes = der_of(secret);
        let body: String = secret.lines().filter(|l| !l.starts_with("-----")).collect();
        let body_windows: Vec<&str> = (0..=body.len() - 12).map(|i| &body[i..i + 12]).collect();
        let hex_windows: Vec<String> = der_bytes
            .windows(8)
            .map(|w| w.iter().map(|b| format!("{b:02x}")).collect())
            .collect();
        for v in &all {
            for (name, value) in &v.params {
                let lower = value.to_ascii_lowercase().replace(':', "");
                assert!(value.len() < 200, "{}: {name} too long", v.key);
                let compact: String = value.split_whitespace().collect();
                for w in &body_windows {
                    assert!(!compact.contains(w), "{}: {name} holds key text", v.key);
                }
                for w in &hex_windows {
                    assert!(
                        !lower.contains(w.as_str()),
                        "{}: {name} holds key bytes",
                        v.key
                    );
                }
            }
        }
    }
}

// ---- Signatures that cannot be checked here -----------------------------------------------

/// P-521 root and a leaf it signed (certificates only; the keys were discarded). ring
/// cannot verify P-521 signatures.
const P521_ROOT: &str = include_str!("testdata/p521-root.crt.pem");
const P521_LEAF: &str = include_str!("testdata/p521-signed-leaf.crt.pem");

#[test]
fn unverifiable_signatures_are_warnings() {
    let other_key = p256().serialize_pem();
    let chain = format!("{P521_LEAF}{P521_ROOT}");
    let out = check(&chain, &other_key, None, Some("p521-leaf.example.com"));
    let unverified: Vec<&Violation> = out
        .iter()
        .filter(|v| v.key == "tls.chain_signature_unverified")
        .collect();
    assert_eq!(unverified.len(), 1, "{out:?}");
    assert_eq!(unverified[0].severity, Severity::Warning);
    assert_eq!(param(unverified[0], "position"), "2");
    let out = check(P521_LEAF, &other_key, Some(P521_ROOT), None);
    let ca: Vec<&Violation> = out
        .iter()
        .filter(|v| v.key.starts_with("tls.ca_"))
        .collect();
    assert_eq!(
        keys(&ca.into_iter().cloned().collect::<Vec<_>>()),
        ["tls.ca_signature_unverified"]
    );
    // Only the expected key mismatch besides (the leaf's key is not in the repository).
    assert!(
        out.iter()
            .all(|v| v.key == "tls.key_mismatch" || v.key == "tls.ca_signature_unverified"),
        "{out:?}"
    );
    // The root's self-signature cannot be checked either; it still counts as self-signed.
    let infos = parse_certificates("f", P521_ROOT.as_bytes()).unwrap();
    assert!(infos[0].self_signed && infos[0].is_ca);
}

#[test]
fn expiry_days_round_up() {
    let mut params = named(HOST, &[HOST], -10, 0);
    params.not_after = time::OffsetDateTime::from_unix_timestamp(NOW_TS + 3_600).unwrap();
    let p = pki_with(params, p256());
    let out = check(&p.chain(), &p.key_pem(), None, Some(HOST));
    assert_eq!(keys(&out), ["tls.cert_expiring"]);
    assert_eq!(param(&out[0], "days"), "1");
}
