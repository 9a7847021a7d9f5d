//! Console accounts: who may log in, with which role, checked against an argon2 hash.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use kurnl_core::types::ProviderId;

/// What an account may see and do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountRole {
    /// The network operator: every page, every provider.
    Operator,
    /// A provider's staff: its own subscriptions, jobs, deliveries, settings and sandbox.
    Provider(ProviderId),
}

/// One account of the console. Only the argon2 hash of the password is kept.
#[derive(Clone, PartialEq, Eq)]
pub struct ConsoleAccount {
    /// Login name (unique in a console).
    pub username: String,
    /// PHC string of an argon2 hash (`$argon2id$...`).
    pub password_hash: String,
    /// What the account may see and do.
    pub role: AccountRole,
}

impl std::fmt::Debug for ConsoleAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleAccount")
            .field("username", &self.username)
            .field("password_hash", &"<redacted>")
            .field("role", &self.role)
            .finish()
    }
}

/// A password hash that is not an argon2 PHC string.
#[derive(Debug, thiserror::Error)]
#[error("console account {username}: password_hash is not an argon2 PHC string")]
pub struct InvalidPasswordHash {
    /// The account.
    pub username: String,
}

impl ConsoleAccount {
    /// An account whose password is hashed here (argon2id, random salt); the plaintext is
    /// not kept.
    pub fn with_password(username: impl Into<String>, password: &str, role: AccountRole) -> Self {
        let salt = SaltString::generate(&mut OsRng);
        let password_hash = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .expect("argon2 with default parameters hashes any password")
            .to_string();
        Self {
            username: username.into(),
            password_hash,
            role,
        }
    }

    /// An account from a stored argon2 PHC string.
    ///
    /// # Errors
    /// [`InvalidPasswordHash`] when `password_hash` does not parse.
    pub fn with_hash(
        username: impl Into<String>,
        password_hash: impl Into<String>,
        role: AccountRole,
    ) -> Result<Self, InvalidPasswordHash> {
        let username = username.into();
        let password_hash = password_hash.into();
        if PasswordHash::new(&password_hash).is_err() {
            return Err(InvalidPasswordHash { username });
        }
        Ok(Self {
            username,
            password_hash,
            role,
        })
    }

    /// Whether `password` matches the hash (constant time inside argon2).
    pub fn verify(&self, password: &str) -> bool {
        PasswordHash::new(&self.password_hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_only_against_its_own_hash_and_debug_hides_the_hash() {
        let a = ConsoleAccount::with_password("ops", "correct horse", AccountRole::Operator);
        assert!(a.verify("correct horse"));
        assert!(!a.verify("correct horse "));
        assert!(a.password_hash.starts_with("$argon2id$"));
        assert!(!format!("{a:?}").contains(&a.password_hash));
        let again =
            ConsoleAccount::with_hash("ops", a.password_hash.clone(), AccountRole::Operator)
                .unwrap();
        assert!(again.verify("correct horse"));
        assert!(ConsoleAccount::with_hash("x", "plain", AccountRole::Operator).is_err());
    }
}
