//! The user's ID and refresh tokens are sealed before a session is stored, so a copy of the
//! database (a backup, a replica's volume) holds no token anyone could use: AES-256-GCM
//! (ring, which rustls already brings) with a key kept like the audit fingerprint key,
//! beside the database and never in it (`<data_dir>/session-tokens.key`; replicas share it
//! from their Secret, as they share the database).
//!
//! A stored value is `sealed:v1:` and base64url(nonce ‖ ciphertext ‖ tag). A value without
//! the prefix is taken as it is: sessions stored before sealing keep working until they
//! are saved again, sealed.

use base64::Engine;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use serde_json::Value;

const PREFIX: &str = "sealed:v1:";
/// The fields of a stored session's `signed_in.tokens` that are sealed.
const SEALED_FIELDS: [&str; 2] = ["id_token", "refresh_token"];

pub struct TokenSeal {
    key: LessSafeKey,
}

impl std::fmt::Debug for TokenSeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSeal([redacted])")
    }
}

impl TokenSeal {
    pub fn new(key: [u8; 32]) -> Self {
        let unbound = UnboundKey::new(&AES_256_GCM, &key).unwrap_or_else(|_| {
            // A 32-byte key is always valid for AES-256-GCM.
            unreachable!("AES-256-GCM takes a 32-byte key")
        });
        TokenSeal {
            key: LessSafeKey::new(unbound),
        }
    }

    /// The installation's key from `path` (created on first use).
    pub fn load_or_create(path: &std::path::Path) -> std::io::Result<Self> {
        crate::data_dir::load_or_create_key(path).map(Self::new)
    }

    pub fn seal(&self, plain: &str) -> String {
        use rand::RngCore;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut data = plain.as_bytes().to_vec();
        // Sealing in place only fails for inputs beyond AES-GCM's limit (64 GiB).
        if self
            .key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut data)
            .is_err()
        {
            return String::new();
        }
        let mut out = nonce.to_vec();
        out.extend(data);
        format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(out)
        )
    }

    /// The plain value of `stored` (as it is when not sealed); `Err` when it is sealed
    /// with another key or was changed.
    pub fn open(&self, stored: &str) -> Result<String, String> {
        let Some(sealed) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(sealed)
            .map_err(|_| "a sealed token is not base64".to_string())?;
        if bytes.len() < NONCE_LEN {
            return Err("a sealed token is too short".into());
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce)
            .map_err(|_| "a sealed token's nonce is not valid".to_string())?;
        let mut data = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::empty(), &mut data)
            .map_err(|_| {
                "a sealed token does not open with this console's key (session-tokens.key)"
                    .to_string()
            })?;
        String::from_utf8(plain.to_vec()).map_err(|_| "a sealed token is not text".to_string())
    }

    /// Seals the tokens of a stored session's data (`signed_in.tokens`) in place.
    pub fn seal_session(&self, data: &mut std::collections::HashMap<String, Value>) {
        self.each_token(data, |value| {
            if !value.starts_with(PREFIX) {
                *value = self.seal(value);
            }
            Ok(())
        });
    }

    /// Opens them in place; `Err` (the session is then not used) when one does not open.
    pub fn open_session(
        &self,
        data: &mut std::collections::HashMap<String, Value>,
    ) -> Result<(), String> {
        let mut result = Ok(());
        self.each_token(data, |value| {
            match self.open(value) {
                Ok(plain) => *value = plain,
                Err(e) => result = Err(e),
            }
            Ok(())
        });
        result
    }

    fn each_token(
        &self,
        data: &mut std::collections::HashMap<String, Value>,
        mut f: impl FnMut(&mut String) -> Result<(), String>,
    ) {
        let Some(tokens) = data
            .get_mut(super::session::SIGNED_IN_KEY)
            .and_then(|s| s.get_mut("tokens"))
            .and_then(Value::as_object_mut)
        else {
            return;
        };
        for field in SEALED_FIELDS {
            if let Some(Value::String(value)) = tokens.get_mut(field) {
                let _ = f(value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tokens_are_sealed_and_open_only_with_the_key() {
        let seal = TokenSeal::new([7u8; 32]);
        let sealed = seal.seal("eyJhbGciOiJSUzI1NiJ9.canary");
        assert!(sealed.starts_with(PREFIX) && !sealed.contains("canary"));
        assert_ne!(
            sealed,
            seal.seal("eyJhbGciOiJSUzI1NiJ9.canary"),
            "a fresh nonce each time"
        );
        assert_eq!(
            seal.open(&sealed).expect("open"),
            "eyJhbGciOiJSUzI1NiJ9.canary"
        );
        assert!(TokenSeal::new([8u8; 32]).open(&sealed).is_err());
        // One character of the ciphertext changed (in the middle: the last one's low bits
        // are base64 padding) must fail the tag check.
        let middle = PREFIX.len() + (sealed.len() - PREFIX.len()) / 2;
        let mut changed = sealed.clone().into_bytes();
        changed[middle] = if changed[middle] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(changed).expect("ascii");
        assert!(seal.open(&changed).is_err());
        assert_eq!(seal.open("plain-legacy").expect("legacy"), "plain-legacy");
    }

    #[test]
    fn a_sessions_tokens_are_sealed_in_place() {
        let seal = TokenSeal::new([7u8; 32]);
        let mut data = std::collections::HashMap::new();
        data.insert(
            "signed_in".to_string(),
            json!({ "identity": { "subject": "a" }, "tokens": { "id_token": "ID-CANARY", "refresh_token": "RT-CANARY", "expires_at": 5 } }),
        );
        seal.seal_session(&mut data);
        let text = serde_json::to_string(&data).expect("json");
        assert!(!text.contains("CANARY"), "{text}");
        assert_eq!(data["signed_in"]["tokens"]["expires_at"], 5);
        seal.open_session(&mut data).expect("open");
        assert_eq!(data["signed_in"]["tokens"]["id_token"], "ID-CANARY");
        assert_eq!(data["signed_in"]["tokens"]["refresh_token"], "RT-CANARY");
    }
}
