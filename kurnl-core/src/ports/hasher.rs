//! Password hashing as a port (argon2 by default).

use argon2::password_hash::{
    PasswordHasher as _, PasswordVerifier as _, SaltString, rand_core::OsRng,
};

use crate::types::{Password, PasswordHash};

/// Hashes subscriber passwords.
///
/// # Contract
/// `hash` returns a salted, slow, PHC-format hash; `verify` checks a password against one.
///
/// # Errors
/// `hash` fails only if the algorithm rejects its parameters.
///
/// # Implementing
/// Use [`Argon2Hasher`]; tests may use [`Argon2Hasher::fast`] (weak parameters, still real argon2).
#[cfg_attr(feature = "testkit", mockall::automock)]
pub trait PasswordHasher: Send + Sync + std::fmt::Debug + 'static {
    /// Hashes a password.
    fn hash(&self, password: &Password) -> Result<PasswordHash, String>;
    /// Whether `password` matches `hash`.
    fn verify(&self, password: &Password, hash: &PasswordHash) -> bool;
}

/// argon2id.
#[derive(Clone)]
pub struct Argon2Hasher {
    params: argon2::Params,
}

impl std::fmt::Debug for Argon2Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Argon2Hasher(m={}, t={})",
            self.params.m_cost(),
            self.params.t_cost()
        )
    }
}

impl Default for Argon2Hasher {
    /// OWASP-recommended argon2id parameters (19 MiB, 2 passes).
    fn default() -> Self {
        Self {
            params: argon2::Params::default(),
        }
    }
}

impl Argon2Hasher {
    /// Minimal parameters for tests and benchmarks that create many subscribers.
    pub fn fast() -> Self {
        #[allow(clippy::unwrap_used)] // constant, valid parameters
        let params = argon2::Params::new(argon2::Params::MIN_M_COST, 1, 1, None).unwrap();
        Self { params }
    }

    fn argon2(&self) -> argon2::Argon2<'static> {
        argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            self.params.clone(),
        )
    }
}

impl PasswordHasher for Argon2Hasher {
    fn hash(&self, password: &Password) -> Result<PasswordHash, String> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon2()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| PasswordHash(h.to_string()))
            .map_err(|e| e.to_string())
    }

    fn verify(&self, password: &Password, hash: &PasswordHash) -> bool {
        argon2::password_hash::PasswordHash::new(&hash.0)
            .map(|parsed| {
                self.argon2()
                    .verify_password(password.expose().as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let hasher = Argon2Hasher::fast();
        let pw = Password::parse("correct horse").unwrap();
        let hash = hasher.hash(&pw).unwrap();
        assert!(hash.0.starts_with("$argon2id$"));
        assert!(!hash.0.contains("correct horse"));
        assert!(hasher.verify(&pw, &hash));
        assert!(!hasher.verify(&Password::parse("wrong horse").unwrap(), &hash));
    }
}
